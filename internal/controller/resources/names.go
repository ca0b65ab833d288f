package resources

import (
	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/kname"
)

// Labels and annotations this controller sets.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = checkpoint.LabelInstance
	LabelPartOf    = checkpoint.LabelPartOf
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelComponent = checkpoint.LabelComponent

	// AppName is the app.kubernetes.io/name of every adapter.
	AppName = "awsdynamodbsource"
	// ManagedBy marks the objects this controller manages. A ServiceAccount
	// named in auth.iam.serviceAccount is reused only if it has this label.
	ManagedBy = "dynamodb-source-controller"
	// ComponentAdapter is the app.kubernetes.io/component of adapter objects.
	ComponentAdapter = "adapter"

	// AnnotationRoleARN is read by EKS's pod identity webhook (IRSA).
	AnnotationRoleARN = "eks.amazonaws.com/role-arn"
)

// Adapter process settings.
const (
	// HealthPort serves /healthz, /readyz and metrics in the adapter.
	HealthPort     = 8080
	HealthPortName = "health"
	// ContainerName is the adapter's container in its pod.
	ContainerName = "adapter"
)

// AdapterName names the Deployment, the generated ServiceAccount, the Role
// and the RoleBinding of src, as TriggerMesh named its adapters.
func AdapterName(src *v1alpha1.AWSDynamoDBSource) string {
	return kname.Child("awsdynamodbsource-"+src.Name, "")
}

// ServiceAccountName is the ServiceAccount the adapter of src runs as: the
// one named in auth.iam.serviceAccount, else one generated for src alone.
func ServiceAccountName(src *v1alpha1.AWSDynamoDBSource) string {
	if SharedServiceAccount(src) {
		return src.Spec.Auth.IAM.ServiceAccount
	}
	return AdapterName(src)
}

// SharedServiceAccount reports whether src names its ServiceAccount, which
// other sources naming it share.
func SharedServiceAccount(src *v1alpha1.AWSDynamoDBSource) bool {
	return src.Spec.Auth.IAM != nil && src.Spec.Auth.IAM.ServiceAccount != ""
}

// RoleARN is the IAM role for service accounts of src: auth.iam.roleArn, or
// the deprecated auth.iamRole.
func RoleARN(src *v1alpha1.AWSDynamoDBSource) string {
	if iam := src.Spec.Auth.IAM; iam != nil && iam.RoleArn != "" {
		return iam.RoleArn
	}
	return src.Spec.Auth.EksIAMRole
}

// CheckpointStore is the store the adapter of src uses: kubernetes unless
// the spec says otherwise.
func CheckpointStore(src *v1alpha1.AWSDynamoDBSource) string {
	return src.Spec.GetCheckpointStore(v1alpha1.CheckpointStoreKubernetes)
}

// SelectorLabels select the adapter pods of src.
func SelectorLabels(src *v1alpha1.AWSDynamoDBSource) map[string]string {
	return map[string]string{
		LabelName:     AppName,
		LabelInstance: kname.LabelValue(src.Name),
	}
}

// Labels are put on every object made for src.
func Labels(src *v1alpha1.AWSDynamoDBSource) map[string]string {
	l := SelectorLabels(src)
	l[LabelPartOf] = checkpoint.PartOf
	l[LabelManagedBy] = ManagedBy
	l[LabelComponent] = ComponentAdapter
	return l
}
