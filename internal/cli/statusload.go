package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
)

// errNoCheckpoint means that the source asked about has saved no
// checkpoint where status looked.
var errNoCheckpoint = errors.New("no checkpoint")

// fileStatus reads the checkpoints of a command-line source from its file.
func fileStatus(o statusOptions) (statusReport, error) {
	path := o.File
	if path == "" {
		dir := o.Dir
		if dir == "" {
			d, err := checkpoint.DefaultDir()
			if err != nil {
				return statusReport{}, err
			}
			dir = d
		}
		path = filepath.Join(dir, checkpoint.FileName(o.ARN))
	}
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return statusReport{}, missingFile(path, o.File != "")
	}
	if err != nil {
		return statusReport{}, fmt.Errorf("reading checkpoint file: %w", err)
	}
	state, err := loadFileCopy(path)
	if err != nil {
		return statusReport{}, err
	}
	return newStatusReport(path, info.ModTime(), state), nil
}

// missingFile says that there is no checkpoint file at path and which
// ones are in its folder.
func missingFile(path string, given bool) error {
	dir := filepath.Dir(path)
	hint := "Checkpoint files are named after the table's ARN, in the --checkpoint.dir given to 'create source awsdynamodb' " +
		"(default $XDG_STATE_HOME/dynamodb-source, else ~/.local/state/dynamodb-source); give the same --arn and --checkpoint.dir here"
	if given {
		hint = "check the path, or give the table's --arn (and --checkpoint.dir) instead"
	}
	if found := checkpointFiles(dir); len(found) > 0 {
		hint += fmt.Sprintf(". In %s: %s", dir, strings.Join(found, ", "))
	}
	return fmt.Errorf("%w at %s: this source has saved no progress there (it has not acknowledged a change yet, or used another folder). %s",
		errNoCheckpoint, path, hint)
}

// checkpointFiles lists up to ten .db files in dir.
func checkpointFiles(dir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.db"))
	slices.Sort(matches)
	var names []string
	for i, m := range matches {
		if i == 10 {
			names = append(names, fmt.Sprintf("and %d more", len(matches)-10))
			break
		}
		names = append(names, filepath.Base(m))
	}
	return names
}

// loadFileCopy loads the checkpoints of the file at path through the file
// store, from a copy: the running source holds the file's lock (a second
// opener would wait, or fail with checkpoint.ErrLocked), and opening the
// store may write to it, which status must never do. A copy taken while the
// source saves can be torn; it is then taken again.
func loadFileCopy(path string) (checkpoint.State, error) {
	tmp, err := os.MkdirTemp("", "dynamodb-source-status-")
	if err != nil {
		return checkpoint.State{}, fmt.Errorf("copying checkpoint file: %w", err)
	}
	defer os.RemoveAll(tmp)
	var lastErr error
	for attempt := range 3 {
		if attempt > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		state, err := loadCopy(path, filepath.Join(tmp, fmt.Sprintf("copy-%d.db", attempt)))
		if err == nil {
			return state, nil
		}
		lastErr = err
	}
	return checkpoint.State{}, lastErr
}

func loadCopy(path, copyPath string) (checkpoint.State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return checkpoint.State{}, fmt.Errorf("reading checkpoint file: %w", err)
	}
	if err := os.WriteFile(copyPath, b, 0o600); err != nil {
		return checkpoint.State{}, fmt.Errorf("copying checkpoint file %s: %w", path, err)
	}
	store, err := checkpoint.OpenFile(copyPath)
	if err != nil {
		return checkpoint.State{}, fmt.Errorf("opening a copy of checkpoint file %s (is it a dynamodb-source checkpoint?): %w", path, err)
	}
	defer store.Close()
	state, err := store.Load(context.Background())
	if err != nil {
		return checkpoint.State{}, fmt.Errorf("reading a copy of checkpoint file %s: %w", path, err)
	}
	return state, nil
}

// configMapStatus reads the checkpoints of a source on Kubernetes from its
// ConfigMap, through the checkpoint package's own store.
func configMapStatus(ctx context.Context, o statusOptions) (statusReport, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.Kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{})
	restCfg, err := cc.ClientConfig()
	if err != nil {
		return statusReport{}, fmt.Errorf("finding the Kubernetes API (give --kubeconfig, or set KUBECONFIG): %w", err)
	}
	ns := o.Namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil {
			return statusReport{}, fmt.Errorf("finding the current namespace (give --source <namespace>/<name>): %w", err)
		}
	}
	restCfg.UserAgent = "dynamodb-source-status"
	restCfg.Timeout = 30 * time.Second
	cms, err := checkpoint.NewConfigMaps(restCfg, ns)
	if err != nil {
		return statusReport{}, err
	}
	name := checkpoint.ConfigMapName(o.Name)
	cm, err := cms.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return statusReport{}, fmt.Errorf("%w: there is no ConfigMap %s/%s, so source %s has saved no progress in namespace %s "+
			"(is it there and running? kubectl get awsdynamodbsources -n %s). To find the checkpoints of a source elsewhere: "+
			"kubectl get configmaps -A -l %s=%s,%s=%s",
			errNoCheckpoint, ns, name, o.Name, ns, ns,
			checkpoint.LabelComponent, checkpoint.ComponentCheckpoints, checkpoint.LabelPartOf, checkpoint.PartOf)
	}
	if err != nil {
		return statusReport{}, fmt.Errorf("reading ConfigMap %s/%s: %w", ns, name, err)
	}
	state, err := checkpoint.NewKubernetes(cms, ns, o.Name).Load(ctx)
	if err != nil {
		return statusReport{}, err
	}
	var saved time.Time
	if cm.Data[checkpoint.ConfigMapKey] != "" {
		saved = lastWrite(cm)
	}
	return newStatusReport("configmap "+ns+"/"+name, saved, state), nil
}

// lastWrite is when the ConfigMap was last written, as its managed fields
// record it (the API server stamps every write's manager entry).
func lastWrite(cm *corev1.ConfigMap) time.Time {
	t := cm.CreationTimestamp.Time
	for _, mf := range cm.ManagedFields {
		if mf.Time != nil && mf.Time.After(t) {
			t = mf.Time.Time
		}
	}
	return t
}
