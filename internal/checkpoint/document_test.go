package checkpoint

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	bolt "go.etcd.io/bbolt"
)

func TestDecode(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		// want is the State decoded; wantErr, when not empty, the parts the
		// error must say instead.
		want    State
		wantErr []string
	}{
		{"a document without a version (saved before versions) loads as version 1",
			`{"streams":{"arn:s":{"readFrom":"0001-01-01T00:00:00Z"}}}`,
			State{Version: 1, ReadBefore: true, Streams: map[string]*Stream{"arn:s": {}}}, nil},
		{"an old document without streams is a first start",
			`{}`, State{Version: 1}, nil},
		{"the current version loads as saved",
			`{"version":1,"readBefore":true}`, State{Version: 1, ReadBefore: true}, nil},
		{"a newer version is refused, naming the version and the document",
			`{"version":2,"streams":{}}`, State{}, []string{"schema version 2", "reads up to 1", "DOC", "newer"}},
		{"a stream saved as null is refused, naming the stream",
			`{"streams":{"arn:aws:dynamodb:r:1:table/t/stream/x":null}}`, State{}, []string{"arn:aws:dynamodb:r:1:table/t/stream/x", "null", "DOC"}},
		{"a document that is not JSON is refused, naming the document",
			`{"streams":`, State{}, []string{"DOC", "delete it"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decode([]byte(tc.doc), "DOC")
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("decode() = %+v, nil; want an error saying %q", got, tc.wantErr)
				}
				for _, part := range tc.wantErr {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error %q does not say %q", err, part)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != tc.want.Version || got.ReadBefore != tc.want.ReadBefore || len(got.Streams) != len(tc.want.Streams) {
				t.Fatalf("decode() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSavedDocumentsCarryTheVersionAndTheMark(t *testing.T) {
	b, err := encode(State{ReadBefore: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != `{"version":1,"readBefore":true}` {
		t.Fatalf("encode() = %s", got)
	}
}

// putRaw writes a document as it is into a file store, as an older or a
// newer build, or a hand edit, may have left it.
func putRaw(t *testing.T, path, doc string) {
	t.Helper()
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketName).Put(stateKey, []byte(doc)) }); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFileStoreRefusesWhatItCannotRead(t *testing.T) {
	cases := map[string]struct{ doc, want string }{
		"a null stream":  {`{"streams":{"arn:null-stream":null}}`, "arn:null-stream"},
		"a newer schema": {`{"version":7}`, "schema version 7"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "src.db")
			putRaw(t, path, tc.doc)
			f, err := OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = f.Load(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Load() = %v; want an error naming %q and the file", err, tc.want)
			}
		})
	}
	t.Run("a newer schema is ErrNewerVersion", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "src.db")
		putRaw(t, path, `{"version":2}`)
		f, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Load(context.Background()); !errors.Is(err, ErrNewerVersion) {
			t.Fatalf("Load() = %v, want ErrNewerVersion", err)
		}
	})
}

func TestKubernetesStoreRefusesWhatItCannotRead(t *testing.T) {
	ctx := context.Background()
	cases := map[string]struct{ doc, want string }{
		"a null stream":  {`{"streams":{"arn:null-stream":null}}`, "arn:null-stream"},
		"a newer schema": {`{"version":7}`, "schema version 7"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cs, ns := kube(t)
			if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName("sample")},
				Data:       map[string]string{ConfigMapKey: tc.doc},
			}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			_, err := newStore(t, ns).Load(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ns+"/"+ConfigMapName("sample")) {
				t.Fatalf("Load() = %v; want an error naming %q and the ConfigMap", err, tc.want)
			}
		})
	}
}

// An API server that accepts a request and never answers must fail the
// request after APITimeout, not hold the save forever.
func TestConfigMapRequestsTimeOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	old := APITimeout
	APITimeout = 300 * time.Millisecond
	defer func() { APITimeout = old }()

	cms, err := NewConfigMaps(&rest.Config{Host: srv.URL}, "ns")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		_, err := cms.Get(context.Background(), "cm", metav1.GetOptions{})
		errc <- err
	}()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("Get() from a server that never answers = nil error")
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("Get() took %v, want about %v", took, APITimeout)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Get() from a server that never answers still waits after 10s: no request timeout")
	}
}

func TestASnapshotsProgressIsSavedAndCopied(t *testing.T) {
	s := State{ReadBefore: true, Snapshot: &Snapshot{ID: "abc", Segments: []Segment{
		{After: map[string]map[string]string{"pk": {"S": "item-1"}}}, {Done: true}}}}
	b, err := encode(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decode(b, "test")
	if err != nil {
		t.Fatal(err)
	}
	if got.Snapshot == nil || got.Snapshot.ID != "abc" || len(got.Snapshot.Segments) != 2 ||
		got.Snapshot.Segments[0].After["pk"]["S"] != "item-1" || !got.Snapshot.Segments[1].Done {
		t.Fatalf("read back %+v", got.Snapshot)
	}
	c := s.Clone()
	c.Snapshot.Segments[0].After["pk"]["S"] = "changed"
	if s.Snapshot.Segments[0].After["pk"]["S"] != "item-1" {
		t.Error("a clone shares the snapshot's saved keys")
	}
}
