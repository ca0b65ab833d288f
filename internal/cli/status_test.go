package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
)

func TestStatusOptionsCheck(t *testing.T) {
	tests := []struct {
		name          string
		o             statusOptions
		wantErr       string // "" for none
		wantNamespace string
		wantName      string
	}{
		{"an ARN names a command-line source", statusOptions{ARN: "arn:aws:dynamodb:us-east-1:1:table/t"}, "", "", ""},
		{"a file names a command-line source", statusOptions{File: "/tmp/x.db"}, "", "", ""},
		{"nothing names no source", statusOptions{}, "which source?", "", ""},
		{"a folder alone names no source", statusOptions{Dir: "/tmp"}, "which source?", "", ""},
		{"an ARN and a file are two sources", statusOptions{ARN: "arn:x", File: "/tmp/x.db"}, "not both", "", ""},
		{"a file is a whole path, without a folder", statusOptions{File: "x.db", Dir: "/tmp"}, "whole path", "", ""},
		{"a file and a Kubernetes source are two places", statusOptions{ARN: "arn:x", Source: "ns/s"}, "not both", "", ""},
		{"--source splits into namespace and name", statusOptions{Source: "shop/orders"}, "", "shop", "orders"},
		{"--source without a namespace keeps --namespace", statusOptions{Source: "orders", Namespace: "shop"}, "", "shop", "orders"},
		{"--source and --namespace must agree", statusOptions{Source: "a/orders", Namespace: "b"}, "but --namespace says", "", ""},
		{"--source and --name are two names", statusOptions{Source: "a/x", Name: "y"}, "not both", "", ""},
		{"--source with an empty part is refused", statusOptions{Source: "shop/"}, "use <namespace>/<name>", "", ""},
		{"--source with an empty namespace is refused", statusOptions{Source: "/orders"}, "use <namespace>/<name>", "", ""},
		{"a kubeconfig alone names no source", statusOptions{Kubeconfig: "/k"}, "which source?", "", ""},
		{"--name names a Kubernetes source", statusOptions{Name: "orders"}, "", "", "orders"},
		{"an unknown output is refused", statusOptions{ARN: "arn:x", Output: "yaml"}, "use table or json", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			if o.Output == "" {
				o.Output = "table"
			}
			err := o.check()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("check = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("check = %v, want an error with %q", err, tt.wantErr)
			}
			if err == nil && (o.Namespace != tt.wantNamespace || o.Name != tt.wantName) {
				t.Errorf("namespace, name = %q, %q; want %q, %q", o.Namespace, o.Name, tt.wantNamespace, tt.wantName)
			}
		})
	}
}

func TestStatusTable(t *testing.T) {
	saved := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	state := checkpoint.State{Streams: map[string]*checkpoint.Stream{
		"arn:aws:dynamodb:us-east-1:1:table/t/stream/2026-12-01T09:00:00.000": {
			ReadFrom: saved.Add(-time.Hour),
			Shards: map[string]checkpoint.Shard{
				"shardId-2": {Sequence: "200"},
				"shardId-1": {Sequence: "100", Finished: true},
				"shardId-3": {},
			},
		},
		"arn:aws:dynamodb:us-east-1:1:table/t/stream/2026-11-30T09:00:00.000": {Finished: true,
			Shards: map[string]checkpoint.Shard{"shardId-0": {Sequence: "50", Finished: true}}},
	}}
	var b bytes.Buffer
	if err := newStatusReport("/state/t.db", saved, state).writeTable(&b, saved.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	want := `Checkpoints: /state/t.db
Last saved:  2026-12-01T10:00:00Z (1m30s ago)
Streams:     2, shards: 4 (2 finished, 2 open)

STREAM / SHARD                                                       STATE        LAST SEQUENCE / READ FROM
arn:aws:dynamodb:us-east-1:1:table/t/stream/2026-11-30T09:00:00.000  finished     everything kept
  shardId-0                                                          finished     50
arn:aws:dynamodb:us-east-1:1:table/t/stream/2026-12-01T09:00:00.000  reading      2026-12-01T09:00:00Z
  shardId-1                                                          finished     100
  shardId-2                                                          reading      200
  shardId-3                                                          not started  -
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestStatusTableOfAnEmptyCheckpointSaysSo(t *testing.T) {
	var b bytes.Buffer
	if err := newStatusReport("/state/t.db", time.Time{}, checkpoint.State{}).writeTable(&b, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "No stream read yet") || strings.Contains(b.String(), "Last saved") {
		t.Errorf("table of an empty checkpoint:\n%s", b.String())
	}
}
