package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the API group and version of AWSDynamoDBSource.
	GroupVersion = schema.GroupVersion{Group: "sources.triggermesh.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this package with a
	// runtime.Scheme (apimachinery's builder: controller-runtime's
	// scheme.Builder is deprecated).
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this package to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &AWSDynamoDBSource{}, &AWSDynamoDBSourceList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
