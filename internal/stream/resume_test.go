package stream

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

func TestResume(t *testing.T) {
	from := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   ResumeInput
		want Position
	}{
		{
			name: "a checkpoint resumes right after the last acknowledged record",
			in:   ResumeInput{Checkpoint: "200", Latest: true, ReadFrom: from},
			want: Position{Type: types.ShardIteratorTypeAfterSequenceNumber, Sequence: "200"},
		},
		{
			name: "an expired iterator resumes after the last record read, not the last acknowledged",
			in:   ResumeInput{LastRead: "300", Checkpoint: "200"},
			want: Position{Type: types.ShardIteratorTypeAfterSequenceNumber, Sequence: "300"},
		},
		{
			name: "the first look at an open shard with LATEST starts at LATEST",
			in:   ResumeInput{Latest: true, ReadFrom: from},
			want: Position{Type: types.ShardIteratorTypeLatest},
		},
		{
			name: "a shard without checkpoint after the first look reads from the trim horizon, skipping what precedes ReadFrom",
			in:   ResumeInput{ReadFrom: from},
			want: Position{Type: types.ShardIteratorTypeTrimHorizon, NotBefore: from},
		},
		{
			name: "a new child shard with no ReadFrom reads everything",
			in:   ResumeInput{},
			want: Position{Type: types.ShardIteratorTypeTrimHorizon},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Resume(tc.in); got != tc.want {
				t.Fatalf("Resume(%+v) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestReadFrom(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 30, 700e6, time.UTC)
	ts := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		name        string
		position    string
		replacement bool
		want        time.Time
	}{
		{"LATEST reaches a minute back so a crash before the first ack loses nothing", "LATEST", false, time.Date(2024, 5, 1, 11, 59, 25, 0, time.UTC)},
		{"an unset position is LATEST", "", false, time.Date(2024, 5, 1, 11, 59, 25, 0, time.UTC)},
		{"AT_TIMESTAMP reads from the timestamp", "AT_TIMESTAMP", false, ts},
		{"TRIM_HORIZON reads everything", "TRIM_HORIZON", false, time.Time{}},
		{"a replacement stream is read whole whatever the starting position", "LATEST", true, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ReadFrom(tc.position, ts, now, tc.replacement); !got.Equal(tc.want) {
				t.Fatalf("ReadFrom = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFirstLook(t *testing.T) {
	cases := []struct {
		name               string
		position           string
		closed             bool
		wantSkip, wantLast bool
	}{
		{"LATEST skips a closed shard: it holds only the past", "LATEST", true, true, false},
		{"LATEST starts an open shard at LATEST", "LATEST", false, false, true},
		{"TRIM_HORIZON reads a closed shard", "TRIM_HORIZON", true, false, false},
		{"TRIM_HORIZON reads an open shard from its start", "TRIM_HORIZON", false, false, false},
		{"AT_TIMESTAMP reads every shard from its start and skips", "AT_TIMESTAMP", true, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			skip, latest := FirstLook(tc.position, tc.closed)
			if skip != tc.wantSkip || latest != tc.wantLast {
				t.Fatalf("FirstLook = skip %v latest %v, want %v %v", skip, latest, tc.wantSkip, tc.wantLast)
			}
		})
	}
}
