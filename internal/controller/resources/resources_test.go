package resources

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

const tableARN = "arn:aws:dynamodb:us-west-2:123456789012:table/triggermeshtest"

func source(mut ...func(*v1alpha1.AWSDynamoDBSource)) *v1alpha1.AWSDynamoDBSource {
	s := &v1alpha1.AWSDynamoDBSource{
		ObjectMeta: metav1.ObjectMeta{Name: "sample", Namespace: "ns", UID: "uid-1"},
		Spec: v1alpha1.AWSDynamoDBSourceSpec{
			ARN: tableARN,
			Auth: v1alpha1.AWSAuth{Credentials: &v1alpha1.AWSSecurityCredentials{
				AccessKeyID: v1alpha1.ValueFromField{ValueFromSecret: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "awscreds"}, Key: "aws_access_key_id"}},
				SecretAccessKey: v1alpha1.ValueFromField{ValueFromSecret: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "awscreds"}, Key: "aws_secret_access_key"}},
			}},
			Sink: v1alpha1.Destination{URI: "http://sink"},
		},
	}
	for _, m := range mut {
		m(s)
	}
	return s
}

func envMap(env []corev1.EnvVar) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range env {
		if _, dup := m[e.Name]; dup {
			panic("duplicate variable " + e.Name)
		}
		m[e.Name] = e
	}
	return m
}

func container(d *appsv1.Deployment) corev1.Container { return d.Spec.Template.Spec.Containers[0] }

func TestDeployment(t *testing.T) {
	opts := DeploymentOptions{Image: "registry.example/dynamodb-source:v1", SinkURI: "http://resolved.ns.svc.cluster.local"}
	tests := []struct {
		name  string
		src   *v1alpha1.AWSDynamoDBSource
		check func(t *testing.T, d *appsv1.Deployment)
	}{{
		name: "runs the adapter of the image, one replica at a time, owned by the source",
		src:  source(),
		check: func(t *testing.T, d *appsv1.Deployment) {
			c := container(d)
			if c.Image != opts.Image || !cmp.Equal(c.Command, []string{"dynamodb-source", "adapter"}) {
				t.Errorf("image %q command %q", c.Image, c.Command)
			}
			if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
				t.Errorf("replicas %d strategy %s; want 1, Recreate", *d.Spec.Replicas, d.Spec.Strategy.Type)
			}
			if d.Name != "awsdynamodbsource-sample" || d.Namespace != "ns" {
				t.Errorf("name %s/%s", d.Namespace, d.Name)
			}
			ref := d.OwnerReferences
			if len(ref) != 1 || ref[0].UID != "uid-1" || ref[0].Kind != "AWSDynamoDBSource" || !*ref[0].Controller {
				t.Errorf("owner references %+v; want the source as controller", ref)
			}
			if d.Labels[LabelManagedBy] != ManagedBy {
				t.Errorf("labels %v lack managed-by", d.Labels)
			}
		},
	}, {
		name: "the pod is non-root on a read-only root filesystem with only /tmp writable",
		src:  source(),
		check: func(t *testing.T, d *appsv1.Deployment) {
			ps := d.Spec.Template.Spec.SecurityContext
			if ps == nil || !*ps.RunAsNonRoot || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("pod security context %+v", ps)
			}
			sc := container(d).SecurityContext
			if !*sc.RunAsNonRoot || !*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation ||
				!cmp.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
				t.Errorf("container security context %+v", sc)
			}
			if m := container(d).VolumeMounts; len(m) != 1 || m[0].MountPath != "/tmp" {
				t.Errorf("volume mounts %+v", m)
			}
		},
	}, {
		name: "probes hit /healthz and /readyz on the health port 8080",
		src:  source(),
		check: func(t *testing.T, d *appsv1.Deployment) {
			c := container(d)
			if len(c.Ports) != 1 || c.Ports[0].Name != "health" || c.Ports[0].ContainerPort != 8080 {
				t.Errorf("ports %+v", c.Ports)
			}
			if g := c.LivenessProbe.HTTPGet; g.Path != "/healthz" || g.Port.StrVal != "health" {
				t.Errorf("liveness %+v", g)
			}
			if g := c.ReadinessProbe.HTTPGet; g.Path != "/readyz" || g.Port.StrVal != "health" {
				t.Errorf("readiness %+v", g)
			}
			if e := envMap(c.Env)["METRICS_PORT"]; e.Value != "8080" {
				t.Errorf("METRICS_PORT = %q", e.Value)
			}
		},
	}, {
		name: "credentials stay Secret references and the sink is the resolved one",
		src:  source(),
		check: func(t *testing.T, d *appsv1.Deployment) {
			env := envMap(container(d).Env)
			id := env["AWS_ACCESS_KEY_ID"]
			if id.Value != "" || id.ValueFrom == nil || id.ValueFrom.SecretKeyRef.Name != "awscreds" || id.ValueFrom.SecretKeyRef.Key != "aws_access_key_id" {
				t.Errorf("AWS_ACCESS_KEY_ID = %+v", id)
			}
			if env["K_SINK"].Value != opts.SinkURI || env["ARN"].Value != tableARN || env["NAME"].Value != "sample" || env["NAMESPACE"].Value != "ns" {
				t.Errorf("env %+v", env)
			}
		},
	}, {
		name: "checkpoints go to kubernetes unless the spec says otherwise",
		src:  source(),
		check: func(t *testing.T, d *appsv1.Deployment) {
			env := envMap(container(d).Env)
			if env["CHECKPOINT_STORE"].Value != "kubernetes" {
				t.Errorf("CHECKPOINT_STORE = %q", env["CHECKPOINT_STORE"].Value)
			}
			if _, ok := env["CHECKPOINT_DIR"]; ok {
				t.Error("CHECKPOINT_DIR set for the kubernetes store")
			}
		},
	}, {
		name: "the ServiceAccount token is mounted only for the kubernetes checkpoint store",
		src:  source(),
		check: func(t *testing.T, d *appsv1.Deployment) {
			if a := d.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || !*a {
				t.Errorf("automountServiceAccountToken %v with the kubernetes store, want true", a)
			}
			mem := Deployment(source(func(s *v1alpha1.AWSDynamoDBSource) {
				s.Spec.Checkpoint = &v1alpha1.CheckpointSpec{Store: "memory"}
			}), opts)
			if a := mem.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
				t.Errorf("automountServiceAccountToken %v with the memory store, want false", a)
			}
		},
	}, {
		name: "literal credentials reach the pod from the source's Secret, never as values",
		src: source(func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.Auth.Credentials = &v1alpha1.AWSSecurityCredentials{
				AccessKeyID:     v1alpha1.ValueFromField{Value: "AKIDEXAMPLE"},
				SecretAccessKey: v1alpha1.ValueFromField{Value: "wJalrXUtnFEMI/K7MDENG"},
				SessionToken:    v1alpha1.ValueFromField{Value: "token"},
			}
		}),
		check: func(t *testing.T, d *appsv1.Deployment) {
			env := envMap(container(d).Env)
			for name, key := range map[string]string{"AWS_ACCESS_KEY_ID": "accessKeyID", "AWS_SECRET_ACCESS_KEY": "secretAccessKey", "AWS_SESSION_TOKEN": "sessionToken"} {
				e := env[name]
				if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef.Name != "awsdynamodbsource-sample-credentials" || e.ValueFrom.SecretKeyRef.Key != key {
					t.Errorf("%s = %+v", name, e)
				}
			}
			if d.Spec.Template.Annotations[AnnotationCredentials] == "" {
				t.Error("no credentials digest on the pod template: new credentials would not roll the pod")
			}
			for _, v := range d.Spec.Template.Annotations {
				if strings.Contains(v, "AKIDEXAMPLE") || strings.Contains(v, "wJalr") {
					t.Errorf("annotation %q holds a credential", v)
				}
			}
		},
	}, {
		name: "every literal value has its $ escaped, so $(VAR) cannot expand another variable",
		src: source(func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.Endpoint = &v1alpha1.Endpoint{URL: "https://evil.example/$(AWS_SECRET_ACCESS_KEY)"}
			s.Spec.CloudEventOverrides = &v1alpha1.CloudEventOverrides{Extensions: map[string]string{"k": "$(AWS_ACCESS_KEY_ID)"}}
			s.Spec.AdapterOverrides = &v1alpha1.AdapterOverrides{Env: []corev1.EnvVar{{Name: "TZ", Value: "$(AWS_SESSION_TOKEN)"}}}
		}),
		check: func(t *testing.T, d *appsv1.Deployment) {
			env := envMap(container(d).Env)
			if got := env["ENDPOINT_URL"].Value; got != "https://evil.example/$$(AWS_SECRET_ACCESS_KEY)" {
				t.Errorf("ENDPOINT_URL = %q", got)
			}
			if got := env["K_CE_OVERRIDES"].Value; !strings.Contains(got, "$$(AWS_ACCESS_KEY_ID)") {
				t.Errorf("K_CE_OVERRIDES = %q", got)
			}
			if got := env["TZ"].Value; got != "$$(AWS_SESSION_TOKEN)" {
				t.Errorf("TZ = %q", got)
			}
		},
	}, {
		name: "the adapter runs as the generated ServiceAccount by default",
		src:  source(),
		check: func(t *testing.T, d *appsv1.Deployment) {
			if sa := d.Spec.Template.Spec.ServiceAccountName; sa != "awsdynamodbsource-sample" {
				t.Errorf("service account %q", sa)
			}
		},
	}, {
		name: "the adapter runs as the ServiceAccount named in auth.iam.serviceAccount",
		src: source(func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.Auth = v1alpha1.AWSAuth{IAM: &v1alpha1.AWSIAM{RoleArn: "arn:aws:iam::123456789012:role/dev-role", ServiceAccount: "aws-source-sa"}}
		}),
		check: func(t *testing.T, d *appsv1.Deployment) {
			if sa := d.Spec.Template.Spec.ServiceAccountName; sa != "aws-source-sa" {
				t.Errorf("service account %q", sa)
			}
			if _, ok := envMap(container(d).Env)["AWS_ACCESS_KEY_ID"]; ok {
				t.Error("credentials in the environment of an IRSA source")
			}
		},
	}, {
		name: "adapterOverrides are applied to the pod",
		src: source(func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.AdapterOverrides = &v1alpha1.AdapterOverrides{
				Labels:      map[string]string{"team": "data"},
				Annotations: map[string]string{"sidecar.istio.io/inject": "false"},
				Resources: &corev1.ResourceRequirements{Limits: corev1.ResourceList{
					corev1.ResourceMemory: resource.MustParse("512Mi")}},
				Tolerations:  []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}},
				NodeSelector: map[string]string{"pool": "events"},
				Affinity:     &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{}},
			}
		}),
		check: func(t *testing.T, d *appsv1.Deployment) {
			tpl := d.Spec.Template
			if tpl.Labels["team"] != "data" || tpl.Annotations["sidecar.istio.io/inject"] != "false" {
				t.Errorf("pod metadata %+v", tpl.ObjectMeta)
			}
			lim := container(d).Resources.Limits
			if got := lim.Memory().String(); got != "512Mi" {
				t.Errorf("memory limit %s", got)
			}
			ps := tpl.Spec
			if len(ps.Tolerations) != 1 || ps.NodeSelector["pool"] != "events" || ps.Affinity == nil || ps.Affinity.NodeAffinity == nil {
				t.Errorf("scheduling %+v %+v %+v", ps.Tolerations, ps.NodeSelector, ps.Affinity)
			}
		},
	}, {
		name: "adapterOverrides labels cannot change which pods are selected",
		src: source(func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.AdapterOverrides = &v1alpha1.AdapterOverrides{Labels: map[string]string{LabelInstance: "other", LabelName: "other"}}
		}),
		check: func(t *testing.T, d *appsv1.Deployment) {
			for k, v := range d.Spec.Selector.MatchLabels {
				if d.Spec.Template.Labels[k] != v {
					t.Errorf("pod label %s = %q, selector wants %q", k, d.Spec.Template.Labels[k], v)
				}
			}
		},
	}, {
		name: "adapterOverrides env adds variables after the others",
		src: source(func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.AdapterOverrides = &v1alpha1.AdapterOverrides{Env: []corev1.EnvVar{
				{Name: "GOGC", Value: "100"},
				{Name: "TZ", Value: "UTC"},
			}}
		}),
		check: func(t *testing.T, d *appsv1.Deployment) {
			env := container(d).Env
			m := envMap(env) // panics on duplicates
			if m["GOGC"].Value != "100" || m["TZ"].Value != "UTC" {
				t.Errorf("env %+v", env)
			}
			if env[len(env)-1].Name != "TZ" {
				t.Errorf("added variable is not last: %+v", env)
			}
		},
	}, {
		name: "default resources: requests, and a memory limit, when not overridden",
		src:  source(),
		check: func(t *testing.T, d *appsv1.Deployment) {
			r := container(d).Resources
			if r.Requests.Cpu().String() != "50m" || r.Requests.Memory().String() != "64Mi" {
				t.Errorf("requests %+v", r.Requests)
			}
			if r.Limits.Memory().String() != "256Mi" || r.Limits.Cpu().String() != "0" {
				t.Errorf("limits %+v, want memory 256Mi and no CPU limit", r.Limits)
			}
		},
	}, {
		name: "long source names give names and labels of at most 63 characters",
		src: source(func(s *v1alpha1.AWSDynamoDBSource) {
			s.Name = strings.Repeat("long-", 40)
		}),
		check: func(t *testing.T, d *appsv1.Deployment) {
			if len(d.Name) > 63 {
				t.Errorf("name %q is %d characters", d.Name, len(d.Name))
			}
			for k, v := range d.Spec.Template.Labels {
				if len(v) > 63 {
					t.Errorf("label %s=%q is %d characters", k, v, len(v))
				}
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.src.DeepCopy()
			tt.check(t, Deployment(tt.src, opts))
			if !cmp.Equal(before, tt.src) {
				t.Error("Deployment changed the source")
			}
		})
	}
}

func TestServiceAccount(t *testing.T) {
	tests := []struct {
		name     string
		auth     v1alpha1.AWSAuth
		wantRole string
	}{
		{name: "annotated with auth.iam.roleArn", auth: v1alpha1.AWSAuth{IAM: &v1alpha1.AWSIAM{RoleArn: "arn:aws:iam::123456789012:role/dev-role"}},
			wantRole: "arn:aws:iam::123456789012:role/dev-role"},
		{name: "annotated with the deprecated auth.iamRole", auth: v1alpha1.AWSAuth{EksIAMRole: "arn:aws:iam::123456789012:role/old"},
			wantRole: "arn:aws:iam::123456789012:role/old"},
		{name: "roleArn wins over the deprecated iamRole", auth: v1alpha1.AWSAuth{EksIAMRole: "arn:aws:iam::123456789012:role/old",
			IAM: &v1alpha1.AWSIAM{RoleArn: "arn:aws:iam::123456789012:role/new"}}, wantRole: "arn:aws:iam::123456789012:role/new"},
		{name: "no annotation without a role", auth: v1alpha1.AWSAuth{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := source(func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.Auth = tt.auth })
			sa := ServiceAccount(src)
			if got := sa.Annotations[AnnotationRoleARN]; got != tt.wantRole {
				t.Errorf("role annotation %q, want %q", got, tt.wantRole)
			}
			if _, ok := sa.Annotations[AnnotationRoleARN]; !ok && tt.wantRole != "" {
				t.Error("no role annotation")
			}
			if sa.Name != "awsdynamodbsource-sample" || sa.Labels[LabelManagedBy] != ManagedBy || !*sa.OwnerReferences[0].Controller {
				t.Errorf("service account %+v", sa.ObjectMeta)
			}
		})
	}
}

func TestRBAC(t *testing.T) {
	t.Run("the Role allows get and update of the source's checkpoint ConfigMap and get and patch of its status ConfigMap only", func(t *testing.T) {
		want := []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"configmaps"},
			ResourceNames: []string{"sample-dynamodb-checkpoints"}, Verbs: []string{"get", "update"},
		}, {
			APIGroups: []string{""}, Resources: []string{"configmaps"},
			ResourceNames: []string{"sample-dynamodb-status"}, Verbs: []string{"get", "patch"},
		}}
		if diff := cmp.Diff(want, Role(source()).Rules); diff != "" {
			t.Errorf("rules (-want +got):\n%s", diff)
		}
	})
	t.Run("the RoleBinding grants it to the adapter's ServiceAccount", func(t *testing.T) {
		for _, src := range []*v1alpha1.AWSDynamoDBSource{
			source(),
			source(func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.Auth.IAM = &v1alpha1.AWSIAM{ServiceAccount: "shared"} }),
		} {
			rb := RoleBinding(src)
			want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: ServiceAccountName(src), Namespace: "ns"}}
			if diff := cmp.Diff(want, rb.Subjects); diff != "" {
				t.Errorf("subjects (-want +got):\n%s", diff)
			}
			if rb.RoleRef.Name != Role(src).Name || rb.RoleRef.Kind != "Role" {
				t.Errorf("role ref %+v", rb.RoleRef)
			}
		}
	})
	t.Run("the checkpoint ConfigMap is owned by the source and carries no data", func(t *testing.T) {
		cm := CheckpointConfigMap(source())
		if cm.Name != "sample-dynamodb-checkpoints" || cm.Data != nil || cm.OwnerReferences[0].UID != "uid-1" {
			t.Errorf("config map %+v", cm)
		}
	})
	t.Run("a sharer's reference is not a controller reference", func(t *testing.T) {
		ref := SharerRef(source())
		if ref.Controller != nil || ref.UID != "uid-1" {
			t.Errorf("reference %+v", ref)
		}
	})
}

func TestServiceAccountRules(t *testing.T) {
	const (
		roleA = "arn:aws:iam::123456789012:role/a"
		roleB = "arn:aws:iam::123456789012:role/b"
	)
	named := func(uid, role string) *v1alpha1.AWSDynamoDBSource {
		return source(func(s *v1alpha1.AWSDynamoDBSource) {
			s.UID = types.UID(uid)
			s.Name = uid
			s.Spec.Auth = v1alpha1.AWSAuth{IAM: &v1alpha1.AWSIAM{RoleArn: role, ServiceAccount: "aws-source-sa"}}
		})
	}
	existing := func(managed bool, role string, owners ...string) *corev1.ServiceAccount {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "aws-source-sa", Namespace: "ns"}}
		if managed {
			sa.Labels = SharedLabels()
		}
		if role != "" {
			sa.Annotations = map[string]string{AnnotationRoleARN: role}
		}
		for _, o := range owners {
			sa.OwnerReferences = append(sa.OwnerReferences, metav1.OwnerReference{UID: types.UID(o), Name: o, Kind: "AWSDynamoDBSource"})
		}
		return sa
	}
	generatedFor := func(victim, name, role string) *corev1.ServiceAccount {
		v := source(func(s *v1alpha1.AWSDynamoDBSource) {
			s.Name, s.UID = victim, types.UID("uid-"+victim)
			s.Spec.Auth = v1alpha1.AWSAuth{IAM: &v1alpha1.AWSIAM{RoleArn: role}}
		})
		sa := ServiceAccount(v)
		sa.Name = name
		return sa
	}
	uids := func(sa *corev1.ServiceAccount) []string {
		var out []string
		for _, r := range sa.OwnerReferences {
			out = append(out, string(r.UID))
		}
		return out
	}
	tests := []struct {
		name       string
		existing   *corev1.ServiceAccount
		src        *v1alpha1.AWSDynamoDBSource
		wantOwners []string
		wantRole   string
		wantRefuse string
	}{
		{name: "a missing named ServiceAccount is created managed, with the role", src: named("u1", roleA),
			wantOwners: []string{"u1"}, wantRole: roleA},
		{name: "a managed one is shared: each user adds its reference", existing: existing(true, roleA, "u1"), src: named("u2", roleA),
			wantOwners: []string{"u1", "u2"}, wantRole: roleA},
		{name: "joining twice adds one reference", existing: existing(true, roleA, "u1"), src: named("u1", roleA),
			wantOwners: []string{"u1"}, wantRole: roleA},
		{name: "a sharer must ask for the role the others have, not for none", existing: existing(true, roleA, "u1"), src: named("u2", ""),
			wantRefuse: ReasonServiceAccountRoleConflict},
		{name: "a sharer may not add a role to others sharing none", existing: existing(true, "", "u1"), src: named("u2", roleA),
			wantRefuse: ReasonServiceAccountRoleConflict},
		{name: "the only user dropping its role drops it from the account", existing: existing(true, roleA, "u1"), src: named("u1", ""),
			wantOwners: []string{"u1"}},
		{name: "a ServiceAccount generated for another source is never joined", existing: generatedFor("victim", "aws-source-sa", roleA),
			src: named("u2", ""), wantRefuse: ReasonServiceAccountNotShared},
		{name: "a ServiceAccount generated for another source is never joined, even with its role", existing: generatedFor("victim", "aws-source-sa", roleA),
			src: named("u2", roleA), wantRefuse: ReasonServiceAccountNotShared},
		{name: "the only user may change the role", existing: existing(true, roleA, "u1"), src: named("u1", roleB),
			wantOwners: []string{"u1"}, wantRole: roleB},
		{name: "sharers must agree on the role", existing: existing(true, roleA, "u1"), src: named("u2", roleB),
			wantRefuse: ReasonServiceAccountRoleConflict},
		{name: "an unmanaged one is never taken over", existing: existing(false, roleA), src: named("u1", roleA),
			wantRefuse: ReasonServiceAccountNotManaged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sa, refusal := JoinServiceAccount(tt.existing, tt.src)
			if tt.wantRefuse != "" {
				if refusal == nil || refusal.Reason != tt.wantRefuse {
					t.Fatalf("refusal %+v, want %s", refusal, tt.wantRefuse)
				}
				if !strings.Contains(refusal.Message, "aws-source-sa") {
					t.Errorf("message %q does not name the ServiceAccount", refusal.Message)
				}
				return
			}
			if refusal != nil {
				t.Fatalf("refused: %+v", refusal)
			}
			if diff := cmp.Diff(tt.wantOwners, uids(sa)); diff != "" {
				t.Errorf("owners (-want +got):\n%s", diff)
			}
			if sa.Annotations[AnnotationRoleARN] != tt.wantRole || !Managed(sa) {
				t.Errorf("service account %+v", sa.ObjectMeta)
			}
			for _, r := range sa.OwnerReferences {
				if r.Controller != nil && *r.Controller {
					t.Errorf("controller reference %+v on a shared ServiceAccount", r)
				}
			}
		})
	}

	t.Run("the generated ServiceAccount refuses an unmanaged one of its name", func(t *testing.T) {
		_, refusal := OwnServiceAccount(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "awsdynamodbsource-sample"}}, source())
		if refusal == nil || refusal.Reason != ReasonServiceAccountNotManaged {
			t.Errorf("refusal %+v", refusal)
		}
	})
	t.Run("the generated ServiceAccount is not one generated for another source", func(t *testing.T) {
		_, refusal := OwnServiceAccount(generatedFor("victim", "awsdynamodbsource-sample", roleA), source())
		if refusal == nil || refusal.Reason != ReasonServiceAccountNotShared || !strings.Contains(refusal.Message, "victim") {
			t.Errorf("refusal %+v", refusal)
		}
	})
	t.Run("the generated ServiceAccount is not one shared by sources naming it", func(t *testing.T) {
		sa := existing(true, roleA, "u1")
		sa.Name = "awsdynamodbsource-sample"
		_, refusal := OwnServiceAccount(sa, source())
		if refusal == nil || refusal.Reason != ReasonServiceAccountNotShared {
			t.Errorf("refusal %+v", refusal)
		}
	})
	t.Run("the generated ServiceAccount of the source itself is kept", func(t *testing.T) {
		src := source()
		if _, refusal := OwnServiceAccount(ServiceAccount(src), src); refusal != nil {
			t.Errorf("refusal %+v", refusal)
		}
	})
	t.Run("a shared ServiceAccount goes only with its last user", func(t *testing.T) {
		sa, last := LeaveServiceAccount(existing(true, roleA, "u1", "u2"), "u1")
		if last || !cmp.Equal(uids(sa), []string{"u2"}) {
			t.Errorf("after u1 left: owners %v, last %v", uids(sa), last)
		}
		sa, last = LeaveServiceAccount(sa, "u2")
		if !last || len(sa.OwnerReferences) != 0 {
			t.Errorf("after u2 left: owners %v, last %v", uids(sa), last)
		}
	})
}
