package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/controller"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

func TestRefusesWithoutAdapterImage(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	err := run(t.Context(), []string{"--metrics-bind-address=0"}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "ADAPTER_IMAGE") {
		t.Fatalf("run() without an adapter image = %v, want an error naming ADAPTER_IMAGE", err)
	}
}

// The binary honours --kubeconfig and ADAPTER_IMAGE: run against envtest,
// it deploys the adapter of a source with that image.
func TestRunsWithKubeconfig(t *testing.T) {
	env := kubetest.Get(t)
	kc, err := env.Kubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", "") // the flag alone must be enough

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--kubeconfig", path, "--metrics-bind-address=0", "--health-probe-bind-address=0", "--log-level=error"},
			func(k string) string {
				if k == "ADAPTER_IMAGE" {
					return "registry.example/dynamodb-source:main-test"
				}
				return ""
			})
	}()

	c, err := client.New(env.Config, client.Options{Scheme: controller.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "main-"}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	src := &v1alpha1.AWSDynamoDBSource{
		ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: ns.Name},
		Spec: v1alpha1.AWSDynamoDBSourceSpec{
			ARN:  "arn:aws:dynamodb:us-west-2:123456789012:table/orders",
			Sink: v1alpha1.Destination{URI: "http://sink.example"},
		},
	}
	if err := c.Create(ctx, src); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), src) })

	deadline := time.Now().Add(30 * time.Second)
	for {
		var dep appsv1.Deployment
		err := c.Get(ctx, types.NamespacedName{Namespace: ns.Name, Name: "awsdynamodbsource-orders"}, &dep)
		if err == nil {
			if img := dep.Spec.Template.Spec.Containers[0].Image; img != "registry.example/dynamodb-source:main-test" {
				t.Errorf("adapter image %q", img)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no adapter Deployment after 30s: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run() after cancel = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run() did not return after its context ended")
	}
}
