package streamreport

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ConfigMapClient is what ConfigMapWriter needs of the API server: the
// methods of client-go's typed ConfigMapInterface (and of
// checkpoint.NewConfigMaps' lean client) it calls.
type ConfigMapClient interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.ConfigMap, error)
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (*corev1.ConfigMap, error)
}

// ConfigMapWriter writes reports under their replica's key of one ConfigMap
// that the controller made, with a JSON merge patch of that key alone: one
// write a report, and replicas never overwrite each other's. Its first
// write also removes the reports older than PruneAfter (pods long gone),
// in the same patch. The adapter's Role lets it get and patch that one
// ConfigMap.
type ConfigMapWriter struct {
	Client ConfigMapClient
	Name   string

	pruned bool
}

// Write implements Writer.
func (c *ConfigMapWriter) Write(ctx context.Context, replica string, r Report) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding the status report: %w", err)
	}
	data := map[string]any{replica: string(doc)}
	if !c.pruned {
		cm, err := c.Client.Get(ctx, c.Name, metav1.GetOptions{})
		if err != nil {
			return c.explain(err)
		}
		reports := Parse(cm.Data)
		for key := range cm.Data {
			old, ok := reports[key]
			if key != replica && (!ok || r.ReportedAt.Sub(old.ReportedAt) > PruneAfter) {
				data[key] = nil
			}
		}
	}
	patch, err := json.Marshal(map[string]any{"data": data})
	if err != nil {
		return fmt.Errorf("encoding the status patch: %w", err)
	}
	if _, err := c.Client.Patch(ctx, c.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return c.explain(err)
	}
	c.pruned = true
	return nil
}

func (c *ConfigMapWriter) explain(err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("writing the status report: ConfigMap %s does not exist yet (the controller creates it): %w", c.Name, err)
	}
	return fmt.Errorf("writing the status report to ConfigMap %s: %w", c.Name, err)
}
