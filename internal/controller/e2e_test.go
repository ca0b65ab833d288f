package controller

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

// TestEndToEndAdapterFromTheControllersDeployment applies TriggerMesh's
// sample, lets the controller build the adapter's Deployment, and runs the
// real `dynamodb-source adapter` locally with exactly that Deployment's
// environment (secret references resolved from the Secret), acting as the
// adapter's ServiceAccount, against DynamoDB Local: every change must reach
// the sink the RedisBroker reference resolves to, and the checkpoints must
// land in the ConfigMap so that a new pod resumes without duplicates.
func TestEndToEndAdapterFromTheControllersDeployment(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: needs DynamoDB Local")
	}
	h := start(t)
	db := ddblocal.Start(t)
	tableARN, _ := db.CreateTable(h.ctx, t, "triggermeshtest", ddbtypes.StreamViewTypeNewAndOldImages)
	sink := cesink.Start(t)

	h.create(awscreds(h.ns))
	u := loadSample(t, "sources_v1alpha1_awsdynamodbsource.yaml")
	u.SetNamespace(h.ns)
	// The sample as TriggerMesh users have it, pointed at DynamoDB Local.
	must(t, unstructured.SetNestedField(u.Object, tableARN, "spec", "arn"))
	must(t, unstructured.SetNestedField(u.Object, db.Endpoint, "spec", "endpoint", "url"))
	must(t, unstructured.SetNestedField(u.Object, "TRIM_HORIZON", "spec", "startingPosition"))
	if err := h.c.Create(h.ctx, u); err != nil {
		t.Fatal(err)
	}
	h.installCRD("eventing.triggermesh.io", "v1alpha1", "RedisBroker", false)
	h.setAddress("eventing.triggermesh.io/v1alpha1", "RedisBroker", h.ns, "triggermesh", sink.URL)
	h.waitCondition("sample", ConditionSinkProvided, metav1.ConditionTrue, ReasonSinkResolved)
	dep := h.waitEnv("sample", "K_SINK", sink.URL)
	env, err := kubetest.AdapterEnv(h.ctx, h.c, dep)
	if err != nil {
		t.Fatal(err)
	}
	delete(env, "METRICS_PORT") // 8080 may be taken on the test machine
	kubeconfig := adapterKubeconfig(t, h.ns, dep.Spec.Template.Spec.ServiceAccountName)
	binary, err := binproc.Build(t.TempDir())
	must(t, err)

	put := func(pk string, v int) {
		t.Helper()
		_, err := db.DynamoDB().PutItem(h.ctx, &dynamodb.PutItemInput{TableName: aws.String("triggermeshtest"), Item: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: pk}, "sk": &ddbtypes.AttributeValueMemberS{Value: "0"},
			"v": &ddbtypes.AttributeValueMemberN{Value: strconv.Itoa(v)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		put("item-"+strconv.Itoa(i), i)
	}
	adapter := runAdapter(t, binary, env, kubeconfig)
	if !sink.WaitDistinct(5, 60*time.Second) {
		t.Fatalf("%d of 5 changes arrived; adapter output:\n%s", sink.Distinct(), adapter.Output())
	}
	if code := adapter.Stop(syscall.SIGTERM, 30*time.Second); code != 0 {
		t.Fatalf("adapter exit code %d after SIGTERM; output:\n%s", code, adapter.Output())
	}
	// A new pod: the checkpoints in the ConfigMap say where to resume.
	for i := 5; i < 8; i++ {
		put("item-"+strconv.Itoa(i), i)
	}
	adapter = runAdapter(t, binary, env, kubeconfig)
	if !sink.WaitDistinct(8, 60*time.Second) {
		t.Fatalf("%d of 8 changes arrived after the restart; adapter output:\n%s", sink.Distinct(), adapter.Output())
	}
	adapter.Stop(syscall.SIGTERM, 30*time.Second)
	if n := len(sink.Events()); n != 8 {
		t.Fatalf("%d events for 8 changes: the restarted adapter did not resume from its ConfigMap checkpoints", n)
	}
	for _, e := range sink.Events() {
		if e.Source() != tableARN || e.Type() != "com.amazon.dynamodb.stream_record" {
			t.Fatalf("event %s: source %q type %q", e.ID(), e.Source(), e.Type())
		}
	}
	cm := &corev1.ConfigMap{}
	must(t, h.c.Get(h.ctx, h.key(checkpoint.ConfigMapName("sample")), cm))
	if len(cm.Data) == 0 {
		t.Fatalf("checkpoint ConfigMap is empty: %+v", cm)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// adapterKubeconfig writes a kubeconfig for envtest that impersonates the
// adapter's ServiceAccount, so the run proves the Role the controller made
// is enough for the checkpoint store.
func adapterKubeconfig(t *testing.T, ns, sa string) string {
	raw, err := kubetest.Get(t).Kubeconfig()
	must(t, err)
	cfg, err := clientcmd.Load(raw)
	must(t, err)
	for _, ai := range cfg.AuthInfos {
		ai.Impersonate = "system:serviceaccount:" + ns + ":" + sa
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	must(t, clientcmd.WriteToFile(*cfg, path))
	return path
}

// runAdapter runs `dynamodb-source adapter` with only the Deployment's
// environment, plus what a process needs to run; it is killed when the test
// ends.
func runAdapter(t *testing.T, binary string, env map[string]string, kubeconfig string) *binproc.Proc {
	t.Helper()
	penv := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "KUBECONFIG=" + kubeconfig}
	for k, v := range env {
		penv = append(penv, k+"="+v)
	}
	return binproc.Start(t, penv, binary, "adapter")
}
