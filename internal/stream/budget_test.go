package stream

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

func TestSeqAfter(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		want bool
	}{
		{"the longer number is the greater", "1000000000000000000000", "999999999999999999999", true},
		{"of equal length, the string order", "000000000000000000002", "000000000000000000001", true},
		{"a number is not after itself", "000000000000000000002", "000000000000000000002", false},
		{"the shorter is not after the longer", "999999999999999999999", "1000000000000000000000", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := seqAfter(tc.a, tc.b); got != tc.want {
				t.Fatalf("seqAfter(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestPageLimitAndNextReserve(t *testing.T) {
	const kb = 1 << 10
	cases := []struct {
		name string
		got  int64
		want int64
	}{
		{"a page of 400 KB items within a 64 KiB reservation is one record", int64(pageLimit(minReserve, 400*kb)), 1},
		{"small records fill a page of up to 1000", int64(pageLimit(maxReserve, 100)), 1000},
		{"the reservation over the record's weight", int64(pageLimit(1000*kb, 100*kb)), 10},
		{"an idle shard reserves little", nextReserve(0, false, DefaultMaxBytesInFlight), minReserve},
		{"a page cut by the Limit doubles the next reservation", nextReserve(400*kb, true, DefaultMaxBytesInFlight), 800 * kb},
		{"a page not cut keeps its size", nextReserve(400*kb, false, DefaultMaxBytesInFlight), 400 * kb},
		{"a reservation is at most maxReserve", nextReserve(3*maxReserve, true, DefaultMaxBytesInFlight), maxReserve},
		{"and never more than the whole budget", nextReserve(maxReserve, false, 1<<20), 1 << 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Fatalf("got %d, want %d", tc.got, tc.want)
			}
		})
	}
}

func TestHeldBytesAreReleasedByAcknowledgement(t *testing.T) {
	ctx := context.Background()
	b := newBudget(100)
	h := &held{b: b}
	for _, p := range []struct {
		last string
		n    int64
	}{{"000000000000000000010", 30}, {"000000000000000000020", 30}, {"000000000000000000030", 30}} {
		got, err := b.acquire(ctx, p.n)
		if err != nil {
			t.Fatal(err)
		}
		h.hold(p.last, got)
	}
	free := func() int64 {
		var n int64
		for b.sem.TryAcquire(1) {
			n++
		}
		b.release(n)
		return n
	}
	if f := free(); f != 10 {
		t.Fatalf("free = %d, want 10 with three pages of 30 held", f)
	}
	h.acked("000000000000000000015") // within the second page: only the first is settled
	if f := free(); f != 40 {
		t.Fatalf("free = %d after the first page's ack, want 40", f)
	}
	h.acked("000000000000000000030")
	if f := free(); f != 100 {
		t.Fatalf("free = %d after the last ack, want 100", f)
	}
	got, _ := b.acquire(ctx, 1000) // larger than the budget: the whole of it
	h.hold("000000000000000000040", got)
	h.releaseAll()
	if f := free(); got != 100 || f != 100 {
		t.Fatalf("a page over the budget took %d (want 100), and %d free after releaseAll (want 100)", got, f)
	}
	// A reservation that needs more than is free lets go of what it holds.
	held, _ := b.acquire(ctx, 90)
	other, _ := b.acquire(ctx, 10)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.settle(cctx, other, 50); err == nil {
		t.Fatal("settle for more than is free with an ended context: want its error")
	}
	b.release(held)
	if f := free(); f != 100 {
		t.Fatalf("free = %d after a failed settle, want 100: it must hold nothing", f)
	}
}

func TestPageBytesCountsWhatAPageHolds(t *testing.T) {
	rec := func(size int64) types.Record {
		return types.Record{Dynamodb: &types.StreamRecord{SizeBytes: aws.Int64(size)}}
	}
	cases := []struct {
		name string
		body int
		page Page
		want int64
	}{
		{"a decoded page weighs its answer, its event data and each record's overhead",
			1000, Page{Records: []types.Record{rec(1), rec(1)}, Data: [][]byte{make([]byte, 300), make([]byte, 200)}}, 1000 + 500 + 2*recordOverhead},
		{"a refused record has no data to count",
			1000, Page{Records: []types.Record{rec(1), rec(1)}, Data: [][]byte{make([]byte, 300), nil}}, 1000 + 300 + 2*recordOverhead},
		{"a page the SDK decoded weighs its records' sizes",
			0, Page{Records: []types.Record{rec(400), rec(100)}}, 500 + 2*recordOverhead},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := pageBytes(tc.body, tc.page); got != tc.want {
				t.Fatalf("pageBytes = %d, want %d", got, tc.want)
			}
		})
	}
}
