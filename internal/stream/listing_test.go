package stream

import (
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/smithy-go"
)

func ids(shards []types.Shard) []string {
	var out []string
	for _, s := range shards {
		out = append(out, aws.ToString(s.ShardId))
	}
	return out
}

func TestKnownApply(t *testing.T) {
	full := func(complete bool, shards ...types.Shard) listing {
		return listing{shards: shards, full: true, complete: complete}
	}
	children := func(shards ...types.Shard) listing { return listing{shards: shards, complete: true} }
	cases := []struct {
		name         string
		listings     []listing
		want         []string
		wantComplete bool
	}{
		{"a complete full listing is the whole stream",
			[]listing{full(true, shard("a", ""), shard("b", ""))}, []string{"a", "b"}, true},
		{"a complete full listing forgets the shards it lacks (they expired)",
			[]listing{full(true, shard("a", ""), shard("b", "")), full(true, shard("b", ""))}, []string{"b"}, true},
		{"a partial full listing never forgets a shard",
			[]listing{full(true, shard("a", ""), shard("b", "")), full(false, shard("b", ""))}, []string{"a", "b"}, false},
		{"a partial full listing adds what it saw, incomplete",
			[]listing{full(false, shard("a", ""))}, []string{"a"}, false},
		{"a child query adds the children and keeps a complete set complete",
			[]listing{full(true, shard("p", "")), children(shard("c1", "p"), shard("c2", "p"))}, []string{"p", "c1", "c2"}, true},
		{"a shard listed again is updated in place, not repeated",
			[]listing{full(true, shard("p", "")), children(shard("c", "p")), full(true, shard("p", ""), shard("c", "p"))}, []string{"p", "c"}, true},
		{"a complete full listing after a partial one makes the set complete again",
			[]listing{full(false, shard("a", "")), full(true, shard("a", ""), shard("b", ""))}, []string{"a", "b"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var k known
			for _, l := range tc.listings {
				k.apply(l)
			}
			if got := ids(k.shards); !slices.Equal(got, tc.want) || k.complete != tc.wantComplete {
				t.Fatalf("known = %v complete %v, want %v complete %v", got, k.complete, tc.want, tc.wantComplete)
			}
		})
	}
}

func TestOnlyACompleteFullListingPrunes(t *testing.T) {
	cases := []struct {
		name string
		l    listing
		want bool
	}{
		{"a complete full listing prunes", listing{full: true, complete: true}, true},
		{"a full listing cut short (an error midway, a repeated cursor) does not", listing{full: true}, false},
		{"a child query does not", listing{complete: true}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := prunes(tc.l); got != tc.want {
				t.Fatalf("prunes = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFullListingDue(t *testing.T) {
	large := tickState{shards: 1000, complete: true, sinceFull: 1}
	with := func(f func(*tickState)) tickState { s := large; f(&s); return s }
	cases := []struct {
		name string
		s    tickState
		want bool
	}{
		{"a large stream is not listed whole at every tick", large, false},
		{"a stream of one page is listed at every tick, as always", with(func(s *tickState) { s.shards = onePage }), true},
		{"an endpoint without ShardFilter lists at every tick", with(func(s *tickState) { s.noFilter = true }), true},
		{"a shard ended without children found: list at the next tick", with(func(s *tickState) { s.childless = true }), true},
		{"after a partial listing: list again", with(func(s *tickState) { s.complete = false }), true},
		{"a large stream is listed whole every fullListingEvery ticks", with(func(s *tickState) { s.sinceFull = fullListingEvery }), true},
		{"one tick short of fullListingEvery it is not", with(func(s *tickState) { s.sinceFull = fullListingEvery - 1 }), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := fullListingDue(tc.s); got != tc.want {
				t.Fatalf("fullListingDue(%+v) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

func TestFilterUnsupported(t *testing.T) {
	validation := &smithy.GenericAPIError{Code: "ValidationException", Message: "Unknown parameter ShardFilter"}
	cases := []struct {
		name string
		l    listing
		err  error
		want bool
	}{
		{"children of the asked shard: supported", listing{shards: []types.Shard{shard("c1", "p"), shard("c2", "p")}}, nil, false},
		{"no children yet: supported", listing{}, nil, false},
		{"a shard that is not a child: the filter was ignored (DynamoDB Local)", listing{shards: []types.Shard{shard("p", ""), shard("c", "p")}}, nil, true},
		{"a ValidationException: the endpoint refused the filter", listing{}, validation, true},
		{"throttling says nothing about the filter", listing{}, &smithy.GenericAPIError{Code: "LimitExceededException"}, false},
		{"a network error says nothing about the filter", listing{}, errors.New("connection reset"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := filterUnsupported("p", tc.l, tc.err); got != tc.want {
				t.Fatalf("filterUnsupported = %v, want %v", got, tc.want)
			}
		})
	}
}
