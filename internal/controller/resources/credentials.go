package resources

import (
	"crypto/sha256"
	"encoding/hex"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/kname"
)

// Keys of the credentials Secret, one per literal credential of the spec.
const (
	SecretKeyAccessKeyID     = "accessKeyID"
	SecretKeySecretAccessKey = "secretAccessKey"
	SecretKeySessionToken    = "sessionToken"
	// AnnotationCredentials on the adapter's pod template changes with the
	// literal credentials, so that new ones roll the pod (a secretKeyRef is
	// read when the container starts). It is a salted digest, never a value.
	AnnotationCredentials = "sources.triggermesh.io/credentials-digest"
)

// CredentialsSecretName names the Secret holding the literal credentials of
// src.
func CredentialsSecretName(src *v1alpha1.AWSDynamoDBSource) string {
	return kname.Child("awsdynamodbsource-"+src.Name, "-credentials")
}

// LiteralCredentials takes the credentials src gives literally
// (auth.credentials.*.value) out of what reaches the pod: it returns a Secret
// holding them, owned by src (nil when src has none), and a copy of src whose
// credentials refer to that Secret instead (src itself when it has none).
// The adapter's Deployment is readable by anyone with the built-in view
// role; Secrets are not.
func LiteralCredentials(src *v1alpha1.AWSDynamoDBSource) (*corev1.Secret, *v1alpha1.AWSDynamoDBSource) {
	c := src.Spec.Auth.Credentials
	if c == nil || (c.AccessKeyID.Value == "" && c.SecretAccessKey.Value == "" && c.SessionToken.Value == "") {
		return nil, src
	}
	out := src.DeepCopy()
	name := CredentialsSecretName(src)
	data := map[string][]byte{}
	oc := out.Spec.Auth.Credentials
	for _, f := range []struct {
		key string
		v   *v1alpha1.ValueFromField
	}{
		{SecretKeyAccessKeyID, &oc.AccessKeyID},
		{SecretKeySecretAccessKey, &oc.SecretAccessKey},
		{SecretKeySessionToken, &oc.SessionToken},
	} {
		if f.v.Value == "" {
			continue
		}
		data[f.key] = []byte(f.v.Value)
		*f.v = v1alpha1.ValueFromField{ValueFromSecret: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: f.key,
		}}
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       src.Namespace,
			Labels:          Labels(src),
			OwnerReferences: []metav1.OwnerReference{OwnerRef(src)},
		},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}, out
}

// credentialsDigest is the value of AnnotationCredentials for secret: a
// SHA-256 of its data salted with the source's UID, cut to 16 bytes, so that
// it tells a change and cannot be compared with another source's.
func credentialsDigest(src *v1alpha1.AWSDynamoDBSource, secret *corev1.Secret) string {
	h := sha256.New()
	h.Write([]byte(src.UID))
	for _, k := range []string{SecretKeyAccessKeyID, SecretKeySecretAccessKey, SecretKeySessionToken} {
		h.Write([]byte{0})
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write(secret.Data[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
