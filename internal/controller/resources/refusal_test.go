package resources

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
)

func TestClaim(t *testing.T) {
	src := source()
	other := source(func(s *v1alpha1.AWSDynamoDBSource) { s.Name, s.UID = "other", types.UID("uid-2") })
	role := func(mut func(*rbacv1.Role)) *rbacv1.Role {
		r := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "awsdynamodbsource-sample", Namespace: "ns"}}
		mut(r)
		return r
	}
	tests := []struct {
		name     string
		existing metav1.Object
		handOver map[string]string
		refused  bool
	}{
		{name: "nothing in the way is made", existing: nil, handOver: HandOver()},
		{name: "what was made for this source is kept", existing: Role(src), handOver: HandOver()},
		{name: "what another source controls is refused, labels or not", existing: func() metav1.Object {
			r := Role(other)
			r.Name = "awsdynamodbsource-sample"
			return r
		}(), handOver: HandOver(), refused: true},
		{name: "what someone else made is refused", existing: role(func(*rbacv1.Role) {}), handOver: HandOver(), refused: true},
		{name: "what another controller controls is refused", existing: role(func(r *rbacv1.Role) {
			r.Labels = HandOver()
			r.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "x", UID: "u", Controller: ptr(true)}}
		}), handOver: HandOver(), refused: true},
		{name: "an unowned object labelled managed is handed over", existing: role(func(r *rbacv1.Role) { r.Labels = HandOver() }), handOver: HandOver()},
		{name: "a checkpoint ConfigMap the command line made for this source is adopted",
			existing: func() metav1.Object {
				cm := CheckpointConfigMap(src)
				cm.OwnerReferences = nil
				return cm
			}(), handOver: checkpoint.ConfigMapLabels(src.Name)},
		{name: "a checkpoint ConfigMap of another name's labels is refused",
			existing: func() metav1.Object {
				cm := CheckpointConfigMap(src)
				cm.OwnerReferences = nil
				cm.Labels = checkpoint.ConfigMapLabels("someone")
				return cm
			}(), handOver: checkpoint.ConfigMapLabels(src.Name), refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Claim("Role", tt.existing, src, tt.handOver)
			if !tt.refused {
				if r != nil {
					t.Fatalf("refused: %s", r.Message)
				}
				return
			}
			if r == nil || r.Reason != ReasonObjectNotManaged {
				t.Fatalf("refusal %+v, want %s", r, ReasonObjectNotManaged)
			}
			if !strings.Contains(r.Message, "ns/awsdynamodbsource-sample") && !strings.Contains(r.Message, "ns/sample-dynamodb-checkpoints") {
				t.Errorf("message %q does not name the object", r.Message)
			}
			if !strings.Contains(r.Message, "delete") {
				t.Errorf("message %q does not say what to do", r.Message)
			}
		})
	}
}

func TestLiteralCredentials(t *testing.T) {
	t.Run("no literal credentials, no Secret, the source as it is", func(t *testing.T) {
		src := source()
		secret, out := LiteralCredentials(src)
		if secret != nil || out != src {
			t.Errorf("secret %+v", secret)
		}
	})
	t.Run("literal values go into a Secret owned by the source, and the copy refers to it", func(t *testing.T) {
		src := source(func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.Auth.Credentials.AccessKeyID = v1alpha1.ValueFromField{Value: "AKID"}
		})
		secret, out := LiteralCredentials(src)
		if secret == nil || string(secret.Data["accessKeyID"]) != "AKID" || len(secret.Data) != 1 || !metav1.IsControlledBy(secret, src) {
			t.Fatalf("secret %+v", secret)
		}
		if src.Spec.Auth.Credentials.AccessKeyID.Value != "AKID" {
			t.Error("the source itself was changed")
		}
		c := out.Spec.Auth.Credentials
		if c.AccessKeyID.Value != "" || c.AccessKeyID.ValueFromSecret.Name != secret.Name || c.AccessKeyID.ValueFromSecret.Key != "accessKeyID" {
			t.Errorf("accessKeyID %+v", c.AccessKeyID)
		}
		if c.SecretAccessKey.ValueFromSecret.Name != "awscreds" {
			t.Errorf("a Secret reference was rewritten: %+v", c.SecretAccessKey)
		}
	})
	t.Run("new credentials change the pod template's digest", func(t *testing.T) {
		withKey := func(v string) string {
			src := source(func(s *v1alpha1.AWSDynamoDBSource) {
				s.Spec.Auth.Credentials.AccessKeyID = v1alpha1.ValueFromField{Value: v}
			})
			return Deployment(src, DeploymentOptions{}).Spec.Template.Annotations[AnnotationCredentials]
		}
		if a, b := withKey("AKID1"), withKey("AKID2"); a == b || a == "" {
			t.Errorf("digests %q and %q", a, b)
		}
	})
}
