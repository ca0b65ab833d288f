package controller

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/controller/resources"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

// adapterOverrides.env cannot reach what the adapter or the AWS SDK reads:
// the API server refuses what the CRD's rules can tell, the controller the
// rest; and no literal value can expand another variable.
func TestAdapterEnvOverridesAreFiltered(t *testing.T) {
	h := start(t)
	withEnv := func(name string, env ...corev1.EnvVar) *v1alpha1.AWSDynamoDBSource {
		s := newSource(name, func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.AdapterOverrides = &v1alpha1.AdapterOverrides{Env: env} })
		s.Namespace = h.ns
		return s
	}
	t.Run("the CRD refuses valueFrom and the AWS SDK's, TLS's and proxies' variables", func(t *testing.T) {
		for _, e := range []corev1.EnvVar{
			{Name: "STOLEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "other"}, Key: "k"}}},
			{Name: "AWS_CONTAINER_CREDENTIALS_FULL_URI", Value: "http://evil.example"},
			{Name: "HTTPS_PROXY", Value: "http://evil.example"},
			{Name: "SSL_CERT_FILE", Value: "/tmp/evil.pem"},
			{Name: "K_SINK", Value: "http://evil.example"},
			{Name: "GODEBUG", Value: "http2debug=2"},
		} {
			err := h.c.Create(h.ctx, withEnv("crd-"+strings.ToLower(strings.ReplaceAll(e.Name, "_", "-")), e))
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "adapterOverrides.env") {
				t.Errorf("creating a source setting %s: %v, want Invalid naming adapterOverrides.env", e.Name, err)
			}
		}
	})
	t.Run("the controller refuses the adapter's own variables and proxies in any case", func(t *testing.T) {
		h := h.on(t)
		h.create(withEnv("own", corev1.EnvVar{Name: "ENDPOINT_URL", Value: "http://evil.example"}, corev1.EnvVar{Name: "Https_Proxy", Value: "http://evil.example"}))
		src := h.waitCondition("own", ConditionReady, metav1.ConditionFalse, resources.ReasonAdapterEnvRefused)
		c := findCond(src, ConditionReady)
		for _, want := range []string{"ENDPOINT_URL", "Https_Proxy", "remove"} {
			if !strings.Contains(c.Message, want) {
				t.Errorf("message %q does not name %s", c.Message, want)
			}
		}
		if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-own"), &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
			t.Errorf("deployed anyway: %v", err)
		}
	})
	t.Run("a $(VAR) in a value the controller renders is escaped", func(t *testing.T) {
		h := h.on(t)
		h.create(newSource("expand", func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.Endpoint = &v1alpha1.Endpoint{URL: "https://evil.example/$(AWS_SECRET_ACCESS_KEY)"}
			s.Spec.Auth.Credentials = &v1alpha1.AWSSecurityCredentials{
				AccessKeyID:     v1alpha1.ValueFromField{ValueFromSecret: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "awscreds"}, Key: "aws_access_key_id"}},
				SecretAccessKey: v1alpha1.ValueFromField{ValueFromSecret: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "awscreds"}, Key: "aws_secret_access_key"}},
			}
		}))
		h.waitEnv("expand", "ENDPOINT_URL", "https://evil.example/$$(AWS_SECRET_ACCESS_KEY)")
	})
}

// A source cannot run as the ServiceAccount generated for another source
// (and so with its IAM role) by naming it.
func TestGeneratedServiceAccountIsNotShared(t *testing.T) {
	h := start(t)
	const role = "arn:aws:iam::123456789012:role/victim"
	h.create(newSource("victim", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.Auth = v1alpha1.AWSAuth{IAM: &v1alpha1.AWSIAM{RoleArn: role}}
	}))
	h.deployment("victim")
	for _, attackerRole := range []string{"", role} {
		name := "attacker"
		if attackerRole != "" {
			name = "attacker-with-role"
		}
		h.create(newSource(name, func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.Auth = v1alpha1.AWSAuth{IAM: &v1alpha1.AWSIAM{RoleArn: attackerRole, ServiceAccount: "awsdynamodbsource-victim"}}
		}))
		src := h.waitCondition(name, ConditionDeployed, metav1.ConditionFalse, resources.ReasonServiceAccountNotShared)
		if c := findCond(src, ConditionDeployed); !strings.Contains(c.Message, "generated for") || !strings.Contains(c.Message, "made for sharing") {
			t.Errorf("message %q does not say why", c.Message)
		}
	}
	h.consistently("the victim's ServiceAccount is left as it was, and no attacker runs", time.Second, func() error {
		sa := &corev1.ServiceAccount{}
		if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-victim"), sa); err != nil {
			return err
		}
		if len(sa.OwnerReferences) != 1 || sa.OwnerReferences[0].Name != "victim" {
			return fmt.Errorf("owners %+v", sa.OwnerReferences)
		}
		for _, n := range []string{"attacker", "attacker-with-role"} {
			if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-"+n), &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("%s deployed: %v", n, err)
			}
		}
		return nil
	})
}

// Objects of the names the controller would use, made by someone else, are
// never taken over (and so never garbage-collected with the source).
func TestObjectsInTheWayAreNotTakenOver(t *testing.T) {
	h := start(t)
	labels := map[string]string{"team": "theirs"}
	tests := []struct {
		name   string
		source string
		obj    client.Object
		store  string
	}{
		{name: "a ConfigMap", source: "cm", obj: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: checkpoint.ConfigMapName("cm"), Labels: labels}}},
		{name: "a Role", source: "role", obj: &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "awsdynamodbsource-role", Labels: labels}}},
		{name: "a RoleBinding", source: "rb", obj: &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "awsdynamodbsource-rb", Labels: labels},
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "theirs"}}},
		{name: "a Deployment", source: "dep", store: "memory", obj: &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "awsdynamodbsource-dep", Labels: labels},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "theirs", Image: "theirs"}}}},
			}}},
		{name: "a Secret", source: "sec", obj: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "awsdynamodbsource-sec-credentials", Labels: labels},
			StringData: map[string]string{"theirs": "secret"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			h.create(tt.obj)
			h.create(newSource(tt.source, func(s *v1alpha1.AWSDynamoDBSource) {
				if tt.store != "" {
					s.Spec.Checkpoint = &v1alpha1.CheckpointSpec{Store: tt.store}
				}
				s.Spec.Auth.Credentials = &v1alpha1.AWSSecurityCredentials{
					AccessKeyID: v1alpha1.ValueFromField{Value: "AKID"}, SecretAccessKey: v1alpha1.ValueFromField{Value: "secret"}}
			}))
			src := h.waitCondition(tt.source, ConditionReady, metav1.ConditionFalse, resources.ReasonObjectNotManaged)
			if c := findCond(src, ConditionReady); !strings.Contains(c.Message, h.ns+"/"+tt.obj.GetName()) || !strings.Contains(c.Message, "delete or rename it") {
				t.Errorf("message %q does not name the object and what to do", c.Message)
			}
			h.consistently("the object is left as it was", time.Second, func() error {
				got := newOf(tt.obj)
				if err := h.c.Get(h.ctx, h.key(tt.obj.GetName()), got); err != nil {
					return err
				}
				if len(got.GetOwnerReferences()) != 0 || got.GetLabels()["team"] != "theirs" || got.GetLabels()[resources.LabelManagedBy] != "" {
					return fmt.Errorf("taken over: %+v %+v", got.GetOwnerReferences(), got.GetLabels())
				}
				return nil
			})
		})
	}
	t.Run("the command line's checkpoint ConfigMap for the source is adopted", func(t *testing.T) {
		h := h.on(t)
		h.create(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: checkpoint.ConfigMapName("cli"), Labels: checkpoint.ConfigMapLabels("cli")},
			Data: map[string]string{"kept": "progress"}})
		h.create(newSource("cli"))
		h.deployment("cli")
		h.eventually("the ConfigMap owned by the source, its data kept", func() error {
			cm := &corev1.ConfigMap{}
			if err := h.c.Get(h.ctx, h.key(checkpoint.ConfigMapName("cli")), cm); err != nil {
				return err
			}
			if !metav1.IsControlledBy(cm, h.source("cli")) || cm.Data["kept"] != "progress" {
				return fmt.Errorf("config map %+v", cm)
			}
			return nil
		})
	})
}

// Literal credentials and a sink URL's userinfo and query stay out of what
// the built-in view role can read: the Deployment, the source's status.
func TestSecretsStayOutOfReadablePlaces(t *testing.T) {
	h := start(t)
	const sinkURI = "https://user:hunter2@sink.example/in?key=topsecret#frag"
	h.create(newSource("lit", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.Sink = v1alpha1.Destination{URI: sinkURI}
		s.Spec.Auth.Credentials = &v1alpha1.AWSSecurityCredentials{
			AccessKeyID:     v1alpha1.ValueFromField{Value: "AKIDLITERAL"},
			SecretAccessKey: v1alpha1.ValueFromField{Value: "wJalrLITERALSECRET"},
		}
	}))
	dep := h.waitEnv("lit", "K_SINK", sinkURI) // the adapter has it whole

	t.Run("literal credentials reach the pod from a Secret the source owns", func(t *testing.T) {
		h := h.on(t)
		raw, _ := json.Marshal(dep)
		if strings.Contains(string(raw), "AKIDLITERAL") || strings.Contains(string(raw), "wJalrLITERALSECRET") {
			t.Errorf("the Deployment holds a literal credential: %s", raw)
		}
		secret := &corev1.Secret{}
		if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-lit-credentials"), secret); err != nil {
			t.Fatal(err)
		}
		if !metav1.IsControlledBy(secret, h.source("lit")) {
			t.Errorf("Secret owners %+v", secret.OwnerReferences)
		}
		env, err := kubetest.AdapterEnv(h.ctx, h.c, dep)
		if err != nil {
			t.Fatal(err)
		}
		if env["AWS_ACCESS_KEY_ID"] != "AKIDLITERAL" || env["AWS_SECRET_ACCESS_KEY"] != "wJalrLITERALSECRET" {
			t.Errorf("resolved credentials %q %q", env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
		}
	})
	t.Run("the status shows the sink without userinfo, query or fragment", func(t *testing.T) {
		h := h.on(t)
		src := h.source("lit")
		if src.Status.SinkURI != "https://sink.example/in?redacted" {
			t.Errorf("sinkUri = %q", src.Status.SinkURI)
		}
		raw, _ := json.Marshal(src.Status)
		for _, secret := range []string{"hunter2", "topsecret", "frag", "user@"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("status holds %q: %s", secret, raw)
			}
		}
	})
	t.Run("the pod has a memory limit and no API token without the kubernetes store", func(t *testing.T) {
		h := h.on(t)
		c := dep.Spec.Template.Spec.Containers[0]
		if c.Resources.Limits.Memory().String() != "256Mi" {
			t.Errorf("limits %+v", c.Resources.Limits)
		}
		if a := dep.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || !*a {
			t.Errorf("automount %v with the kubernetes store", a)
		}
		h.update("lit", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.Checkpoint = &v1alpha1.CheckpointSpec{Store: "memory"} })
		h.eventually("no token for the memory store", func() error {
			d := h.deployment("lit")
			if a := d.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
				return fmt.Errorf("automount %v", a)
			}
			return nil
		})
	})
	t.Run("dropping the literal credentials deletes their Secret", func(t *testing.T) {
		h := h.on(t)
		h.update("lit", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.Auth = v1alpha1.AWSAuth{} })
		h.eventually("the Secret deleted", func() error {
			if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-lit-credentials"), &corev1.Secret{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("still there: %v", err)
			}
			return nil
		})
	})
}

// A file checkpoint store would live on the pod's emptyDir: refused.
func TestFileCheckpointStoreRefused(t *testing.T) {
	h := start(t)
	h.create(newSource("file", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.Checkpoint = &v1alpha1.CheckpointSpec{Store: "file"}
	}))
	src := h.waitCondition("file", ConditionReady, metav1.ConditionFalse, resources.ReasonCheckpointStoreNotKept)
	if c := findCond(src, ConditionReady); !strings.Contains(c.Message, "emptyDir") || !strings.Contains(c.Message, "drop spec.checkpoint") {
		t.Errorf("message %q does not say why and what to do", c.Message)
	}
	if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-file"), &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("deployed anyway: %v", err)
	}
}
