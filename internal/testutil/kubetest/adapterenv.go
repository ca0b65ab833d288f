package kubetest

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// AdapterEnv resolves the environment of the adapter container of dep (the
// Deployment the controller made) as the kubelet would: literal values
// with `$$` and `$(VAR)` expanded (expand), secretKeyRef and configMapKeyRef read from the objects they
// name. The result can be handed to a locally run `dynamodb-source adapter`
// (for example through adapterenv.ToConfig with a map lookup). Other kinds
// of valueFrom are an error: the controller sets none.
func AdapterEnv(ctx context.Context, c client.Reader, dep *appsv1.Deployment) (map[string]string, error) {
	containers := dep.Spec.Template.Spec.Containers
	if len(containers) == 0 {
		return nil, fmt.Errorf("deployment %s has no container", dep.Name)
	}
	ctr := containers[0]
	for _, cc := range containers {
		if cc.Name == "adapter" {
			ctr = cc
		}
	}
	env := make(map[string]string, len(ctr.Env))
	for _, e := range ctr.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = expand(e.Value, env)
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			var s corev1.Secret
			if err := c.Get(ctx, types.NamespacedName{Namespace: dep.Namespace, Name: ref.Name}, &s); err != nil {
				return nil, fmt.Errorf("resolving %s from Secret %s: %w", e.Name, ref.Name, err)
			}
			v, ok := s.Data[ref.Key]
			if !ok {
				return nil, fmt.Errorf("resolving %s: Secret %s has no key %s", e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = string(v)
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			var cm corev1.ConfigMap
			if err := c.Get(ctx, types.NamespacedName{Namespace: dep.Namespace, Name: ref.Name}, &cm); err != nil {
				return nil, fmt.Errorf("resolving %s from ConfigMap %s: %w", e.Name, ref.Name, err)
			}
			v, ok := cm.Data[ref.Key]
			if !ok {
				return nil, fmt.Errorf("resolving %s: ConfigMap %s has no key %s", e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = v
		default:
			return nil, fmt.Errorf("resolving %s: only value, secretKeyRef and configMapKeyRef are supported", e.Name)
		}
	}
	return env, nil
}
