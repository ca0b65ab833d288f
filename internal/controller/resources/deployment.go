package resources

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/adapterenv"
)

// DeploymentOptions are what the adapter's Deployment needs beyond the
// source.
type DeploymentOptions struct {
	// Image holds the dynamodb-source binary.
	Image string
	// SinkURI is the source's sink, resolved.
	SinkURI string
}

// Default resources of the adapter's container, unless
// adapterOverrides.resources replaces them. The memory limit bounds what one
// source may take from its node: the adapter peaks under 40 MiB at the
// default delivery settings (docs/benchmarks.md), the 1,024-record window
// and the larger batches and parallelism the spec allows stay well below
// 256 MiB.
var (
	DefaultCPURequest    = resource.MustParse("50m")
	DefaultMemoryRequest = resource.MustParse("64Mi")
	DefaultMemoryLimit   = resource.MustParse("256Mi")
)

// Deployment runs the adapter of src: `dynamodb-source adapter`, configured
// by its environment (adapterenv), as a non-root user on a read-only root
// filesystem, with probes on its health port and a memory limit. Literal
// credentials reach it from the Secret of LiteralCredentials, and the
// ServiceAccount token is mounted only for the kubernetes checkpoint store,
// the one part of the adapter that calls the Kubernetes API.
// adapterOverrides are applied last, except that they cannot change which
// pods the Deployment selects; the controller refuses a source whose
// adapterOverrides.env fails CheckEnvOverrides before it gets here.
func Deployment(src *v1alpha1.AWSDynamoDBSource, opts DeploymentOptions) *appsv1.Deployment {
	secret, rendered := LiteralCredentials(src)
	ov := src.Spec.AdapterOverrides
	if ov == nil {
		ov = &v1alpha1.AdapterOverrides{}
	}

	podLabels := map[string]string{}
	for k, v := range ov.Labels {
		podLabels[k] = v
	}
	for k, v := range Labels(src) {
		podLabels[k] = v
	}
	var podAnnotations map[string]string
	if len(ov.Annotations) > 0 || secret != nil {
		podAnnotations = make(map[string]string, len(ov.Annotations)+1)
		for k, v := range ov.Annotations {
			podAnnotations[k] = v
		}
	}
	if secret != nil {
		podAnnotations[AnnotationCredentials] = credentialsDigest(src, secret)
	}

	resources := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    DefaultCPURequest,
			corev1.ResourceMemory: DefaultMemoryRequest,
		},
		Limits: corev1.ResourceList{corev1.ResourceMemory: DefaultMemoryLimit},
	}
	if ov.Resources != nil {
		resources = *ov.Resources.DeepCopy()
	}

	health := func(path string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Port: intstr.FromString(HealthPortName),
		}}}
	}
	liveness := health("/healthz")
	liveness.InitialDelaySeconds = 10
	readiness := health("/readyz")

	return &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            AdapterName(src),
			Namespace:       src.Namespace,
			Labels:          Labels(src),
			OwnerReferences: []metav1.OwnerReference{OwnerRef(src)},
		},
		Spec: appsv1.DeploymentSpec{
			// One reader per source: a second would deliver every change
			// twice and fight over the checkpoints. Recreate keeps it so
			// during updates, too.
			Replicas: ptr(int32(1)),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector: &metav1.LabelSelector{MatchLabels: SelectorLabels(src)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: podAnnotations},
				Spec: corev1.PodSpec{
					ServiceAccountName: ServiceAccountName(src),
					// IRSA and EKS Pod Identity do not need it: their webhooks
					// add a projected token volume of their own.
					AutomountServiceAccountToken: ptr(CheckpointStore(src) == v1alpha1.CheckpointStoreKubernetes),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptr(true),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:    ContainerName,
						Image:   opts.Image,
						Command: []string{"dynamodb-source", "adapter"},
						Env:     Env(rendered, opts.SinkURI),
						Ports: []corev1.ContainerPort{{
							Name: HealthPortName, ContainerPort: HealthPort, Protocol: corev1.ProtocolTCP,
						}},
						LivenessProbe:  liveness,
						ReadinessProbe: readiness,
						Resources:      resources,
						SecurityContext: &corev1.SecurityContext{
							RunAsNonRoot:             ptr(true),
							ReadOnlyRootFilesystem:   ptr(true),
							AllowPrivilegeEscalation: ptr(false),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
						VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
					}},
					Volumes: []corev1.Volume{{
						Name:         "tmp",
						VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
					}},
					Tolerations:  append([]corev1.Toleration(nil), ov.Tolerations...),
					NodeSelector: copyMap(ov.NodeSelector),
					Affinity:     ov.Affinity.DeepCopy(),
				},
			},
		},
	}
}

// Env is the adapter's environment: the source's (adapterenv.FromSpec) with
// the Kubernetes default (the kubernetes checkpoint store), the health port,
// and adapterOverrides.env last, each replacing a variable of the same name
// or added after the others; every literal value escaped (escapeEnv). src's
// credentials are rendered as they are: Deployment gives it the copy of
// LiteralCredentials.
func Env(src *v1alpha1.AWSDynamoDBSource, sinkURI string) []corev1.EnvVar {
	s := src.DeepCopy()
	if s.Spec.Checkpoint == nil {
		s.Spec.Checkpoint = &v1alpha1.CheckpointSpec{}
	}
	s.Spec.Checkpoint.Store = CheckpointStore(s)
	env := adapterenv.FromSpec(s, sinkURI)
	env = append(env, corev1.EnvVar{Name: adapterenv.EnvMetricsPort, Value: strconv.Itoa(HealthPort)})
	if ov := src.Spec.AdapterOverrides; ov != nil {
		for _, o := range ov.Env {
			replaced := false
			for i := range env {
				if env[i].Name == o.Name {
					env[i] = *o.DeepCopy()
					replaced = true
				}
			}
			if !replaced {
				env = append(env, *o.DeepCopy())
			}
		}
	}
	return escapeEnv(env)
}

func ptr[T any](v T) *T { return &v }

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
