package controller

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/controller/resources"
)

func TestServiceAccountRules(t *testing.T) {
	h := start(t)
	const roleA, roleB = "arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"
	iam := func(role, sa string) func(*v1alpha1.AWSDynamoDBSource) {
		return func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.Auth = v1alpha1.AWSAuth{IAM: &v1alpha1.AWSIAM{RoleArn: role, ServiceAccount: sa}}
		}
	}
	getSA := func(name string) (*corev1.ServiceAccount, error) {
		sa := &corev1.ServiceAccount{}
		return sa, h.c.Get(h.ctx, h.key(name), sa)
	}
	owners := func(sa *corev1.ServiceAccount) map[types.UID]bool {
		m := map[types.UID]bool{}
		for _, r := range sa.OwnerReferences {
			m[r.UID] = true
		}
		return m
	}

	t.Run("roleArn alone generates an annotated ServiceAccount", func(t *testing.T) {
		h := h.on(t)
		h.create(newSource("gen", iam(roleA, "")))
		h.eventually("the generated ServiceAccount", func() error {
			sa, err := getSA("awsdynamodbsource-gen")
			if err != nil {
				return err
			}
			if sa.Annotations[resources.AnnotationRoleARN] != roleA {
				return fmt.Errorf("annotations %v", sa.Annotations)
			}
			return nil
		})
	})
	t.Run("the deprecated iamRole works the same", func(t *testing.T) {
		h := h.on(t)
		h.create(newSource("old", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.Auth.EksIAMRole = roleB }))
		h.eventually("the generated ServiceAccount", func() error {
			sa, err := getSA("awsdynamodbsource-old")
			if err != nil {
				return err
			}
			if sa.Annotations[resources.AnnotationRoleARN] != roleB {
				return fmt.Errorf("annotations %v", sa.Annotations)
			}
			return nil
		})
	})

	h.create(newSource("one", iam(roleA, "shared")))
	h.create(newSource("two", iam(roleA, "shared")))
	one, two := h.source("one"), h.source("two")
	t.Run("a named ServiceAccount is shared, with a reference from each user", func(t *testing.T) {
		h := h.on(t)
		h.eventually("both references", func() error {
			sa, err := getSA("shared")
			if err != nil {
				return err
			}
			if o := owners(sa); !o[one.UID] || !o[two.UID] || len(o) != 2 {
				return fmt.Errorf("owners %v", sa.OwnerReferences)
			}
			if !resources.Managed(sa) || sa.Annotations[resources.AnnotationRoleARN] != roleA {
				return fmt.Errorf("service account %+v", sa.ObjectMeta)
			}
			return nil
		})
		for _, name := range []string{"one", "two"} {
			if sa := h.deployment(name).Spec.Template.Spec.ServiceAccountName; sa != "shared" {
				t.Errorf("%s runs as %q", name, sa)
			}
		}
	})
	t.Run("a sharer asking for another role is refused", func(t *testing.T) {
		h := h.on(t)
		h.create(newSource("three", iam(roleB, "shared")))
		src := h.waitCondition("three", ConditionDeployed, metav1.ConditionFalse, resources.ReasonServiceAccountRoleConflict)
		if c := findCond(src, ConditionReady); c.Reason != resources.ReasonServiceAccountRoleConflict {
			t.Errorf("Ready = %+v", c)
		}
	})
	t.Run("a user leaving keeps it for the others; the last one removes it", func(t *testing.T) {
		h := h.on(t)
		h.update("one", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.Auth = v1alpha1.AWSAuth{} })
		h.eventually("one's reference gone", func() error {
			sa, err := getSA("shared")
			if err != nil {
				return err
			}
			if o := owners(sa); o[one.UID] || !o[two.UID] {
				return fmt.Errorf("owners %v", sa.OwnerReferences)
			}
			return nil
		})
		h.deleteSource("three") // refused, but it names the account too
		h.update("two", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.Auth.IAM.ServiceAccount = "" })
		h.eventually("the shared ServiceAccount removed", func() error {
			if _, err := getSA("shared"); !apierrors.IsNotFound(err) {
				return fmt.Errorf("still there: %v", err)
			}
			return nil
		})
	})
	t.Run("an unmanaged ServiceAccount is never taken over", func(t *testing.T) {
		h := h.on(t)
		h.create(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "someone-elses"}})
		h.create(newSource("taker", iam(roleA, "someone-elses")))
		src := h.waitCondition("taker", ConditionDeployed, metav1.ConditionFalse, resources.ReasonServiceAccountNotManaged)
		if c := findCond(src, ConditionDeployed); !strings.Contains(c.Message, "someone-elses") || !strings.Contains(c.Message, resources.LabelManagedBy) {
			t.Errorf("message %q does not say what to do", c.Message)
		}
		h.consistently("the ServiceAccount is left as it was", 1500*time.Millisecond, func() error {
			sa, err := getSA("someone-elses")
			if err != nil {
				return err
			}
			if len(sa.OwnerReferences) != 0 || len(sa.Annotations) != 0 {
				return fmt.Errorf("changed: %+v", sa.ObjectMeta)
			}
			if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-taker"), &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("deployed anyway: %v", err)
			}
			return nil
		})
		// Handing it over with the label lets the source use it.
		sa, _ := getSA("someone-elses")
		sa.Labels = map[string]string{resources.LabelManagedBy: resources.ManagedBy}
		if err := h.c.Update(h.ctx, sa); err != nil {
			t.Fatal(err)
		}
		if got := h.deployment("taker").Spec.Template.Spec.ServiceAccountName; got != "someone-elses" {
			t.Errorf("runs as %q", got)
		}
	})
	t.Run("an unmanaged ServiceAccount in the way of a generated one is refused too", func(t *testing.T) {
		h := h.on(t)
		h.create(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "awsdynamodbsource-squatted"}})
		h.create(newSource("squatted"))
		h.waitCondition("squatted", ConditionDeployed, metav1.ConditionFalse, resources.ReasonServiceAccountNotManaged)
	})
}

func (h *harness) deleteSource(name string) {
	h.t.Helper()
	src := &v1alpha1.AWSDynamoDBSource{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: h.ns}}
	if err := h.c.Delete(h.ctx, src); client.IgnoreNotFound(err) != nil {
		h.t.Fatal(err)
	}
}
