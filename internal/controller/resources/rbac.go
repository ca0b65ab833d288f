package resources

import (
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/streamreport"
)

// OwnerRef is the controller reference of src on what is made for it alone,
// so that Kubernetes' garbage collector deletes those with src.
func OwnerRef(src *v1alpha1.AWSDynamoDBSource) metav1.OwnerReference {
	return *metav1.NewControllerRef(src, v1alpha1.GroupVersion.WithKind("AWSDynamoDBSource"))
}

// SharerRef is the reference each source puts on a shared ServiceAccount:
// not a controller reference, since it has many owners; the garbage
// collector removes the ServiceAccount once every one of them is gone.
func SharerRef(src *v1alpha1.AWSDynamoDBSource) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: v1alpha1.GroupVersion.String(),
		Kind:       "AWSDynamoDBSource",
		Name:       src.Name,
		UID:        src.UID,
	}
}

// ServiceAccount is the ServiceAccount generated for src alone, annotated
// with its IAM role when it has one.
func ServiceAccount(src *v1alpha1.AWSDynamoDBSource) *corev1.ServiceAccount {
	sa := &corev1.ServiceAccount{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            AdapterName(src),
			Namespace:       src.Namespace,
			Labels:          Labels(src),
			OwnerReferences: []metav1.OwnerReference{OwnerRef(src)},
		},
	}
	if arn := RoleARN(src); arn != "" {
		sa.Annotations = map[string]string{AnnotationRoleARN: arn}
	}
	return sa
}

// Role lets the adapter of src read and update its checkpoint ConfigMap,
// read and patch its status ConfigMap, and nothing else. RBAC cannot limit
// create to one name, so the controller creates the ConfigMaps itself
// (CheckpointConfigMap, StatusConfigMap) and the Role has no create.
func Role(src *v1alpha1.AWSDynamoDBSource) *rbacv1.Role {
	return &rbacv1.Role{
		TypeMeta: metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "Role"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            AdapterName(src),
			Namespace:       src.Namespace,
			Labels:          Labels(src),
			OwnerReferences: []metav1.OwnerReference{OwnerRef(src)},
		},
		Rules: []rbacv1.PolicyRule{{
			APIGroups:     []string{""},
			Resources:     []string{"configmaps"},
			ResourceNames: []string{checkpoint.ConfigMapName(src.Name)},
			Verbs:         []string{"get", "update"},
		}, {
			APIGroups:     []string{""},
			Resources:     []string{"configmaps"},
			ResourceNames: []string{streamreport.ConfigMapName(src.Name)},
			Verbs:         []string{"get", "patch"},
		}},
	}
}

// RoleBinding grants Role to the adapter's ServiceAccount.
func RoleBinding(src *v1alpha1.AWSDynamoDBSource) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		TypeMeta: metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            AdapterName(src),
			Namespace:       src.Namespace,
			Labels:          Labels(src),
			OwnerReferences: []metav1.OwnerReference{OwnerRef(src)},
		},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: AdapterName(src)},
		Subjects: []rbacv1.Subject{{
			Kind:      rbacv1.ServiceAccountKind,
			Name:      ServiceAccountName(src),
			Namespace: src.Namespace,
		}},
	}
}

// CheckpointConfigMap is the checkpoint ConfigMap of src as the controller
// applies it: labels and owner only. Its data belongs to the adapter and is
// never set here, so applying it leaves the checkpoints alone. Owned by the
// source (not the pod), it survives the adapter's pods and goes with the
// source.
func CheckpointConfigMap(src *v1alpha1.AWSDynamoDBSource) *corev1.ConfigMap {
	return adapterConfigMap(src, checkpoint.ConfigMapName(src.Name), checkpoint.ConfigMapLabels(src.Name))
}

// StatusConfigMap is the ConfigMap the adapter of src writes its status
// reports to (internal/streamreport), as the controller applies it: labels
// and owner only, the data being the adapter's.
func StatusConfigMap(src *v1alpha1.AWSDynamoDBSource) *corev1.ConfigMap {
	return adapterConfigMap(src, streamreport.ConfigMapName(src.Name), streamreport.ConfigMapLabels(src.Name))
}

// adapterConfigMap is a ConfigMap of src whose data the adapter writes.
func adapterConfigMap(src *v1alpha1.AWSDynamoDBSource, name string, labels map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       src.Namespace,
			Labels:          labels,
			OwnerReferences: []metav1.OwnerReference{OwnerRef(src)},
		},
	}
}
