package fakestreams

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// iteratorLifetime is how long AWS keeps a shard iterator valid.
const iteratorLifetime = 15 * time.Minute

// maxPageLimit and maxRecordsLimit are AWS's bounds on the Limit parameters.
const (
	maxPageLimit    = 100
	maxRecordsLimit = 1000
)

// maxPageBytes is AWS's cap on the records of one GetRecords answer.
const maxPageBytes = 1 << 20

func (s *Server) listStreams(in *input, _ *Call) (any, *apiError) {
	limit, e := s.limit(in.Limit, maxPageLimit, s.opts.PageSize)
	if e != nil {
		return nil, e
	}
	if in.TableName != nil && !s.tables[*in.TableName] {
		return nil, errorf("ResourceNotFoundException", "Requested resource not found: Table: %s not found", *in.TableName)
	}
	var all []*stream
	for _, x := range s.streams {
		if !x.deleted && (in.TableName == nil || x.spec.Table == *in.TableName) {
			all = append(all, x)
		}
	}
	start := 0
	if in.ExclusiveStartStreamArn != nil {
		i := slices.IndexFunc(all, func(x *stream) bool { return x.spec.ARN == *in.ExclusiveStartStreamArn })
		if i < 0 {
			return nil, errorf("ValidationException", "Invalid ExclusiveStartStreamArn")
		}
		start = i + 1
	}
	page, more := pageOf(all, start, limit)
	out := listStreamsOutput{Streams: []streamJSON{}}
	for _, x := range page {
		out.Streams = append(out.Streams, streamJSON{StreamArn: x.spec.ARN, StreamLabel: x.spec.Label, TableName: x.spec.Table})
	}
	if more {
		out.LastEvaluatedStreamArn = page[len(page)-1].spec.ARN
	}
	return out, nil
}

func (s *Server) describeStream(in *input, _ *Call) (any, *apiError) {
	limit, e := s.limit(in.Limit, maxPageLimit, s.opts.PageSize)
	if e != nil {
		return nil, e
	}
	x, e := s.stream(in.StreamArn)
	if e != nil {
		return nil, e
	}
	var parent string
	if f := in.ShardFilter; f != nil {
		switch s.opts.ShardFilter {
		case ShardFilterRejected:
			return nil, errorf("ValidationException", "1 validation error detected: Unknown parameter in input: \"ShardFilter\"")
		case ShardFilterSupported:
			if deref(f.Type) != string(types.ShardFilterTypeChildShards) {
				return nil, errorf("ValidationException", "1 validation error detected: Value '%s' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [CHILD_SHARDS]", deref(f.Type))
			}
			if deref(f.ShardId) == "" {
				return nil, errorf("ValidationException", "ShardFilter of type CHILD_SHARDS requires a ShardId")
			}
			parent = *f.ShardId
		}
		// ShardFilterIgnored: the filter is read past, as by an endpoint
		// whose model predates it, and the whole stream is listed.
	}
	var all []*shard
	for _, sh := range x.shards {
		if !sh.deleted && (parent == "" || sh.parent == parent) {
			all = append(all, sh)
		}
	}
	start := 0
	if in.ExclusiveStartShardId != nil {
		i := slices.IndexFunc(all, func(sh *shard) bool { return sh.id == *in.ExclusiveStartShardId })
		if i < 0 {
			return nil, errorf("ValidationException", "Invalid ExclusiveStartShardId")
		}
		start = i + 1
	}
	page, more := pageOf(all, start, limit)
	d := streamDescriptionJSON{
		StreamArn: x.spec.ARN, StreamLabel: x.spec.Label, StreamStatus: x.status,
		StreamViewType: string(x.spec.ViewType), TableName: x.spec.Table,
		CreationRequestDateTime: epochSeconds(x.created),
		KeySchema:               []keySchemaJSON{{AttributeName: x.spec.HashKey, KeyType: "HASH"}},
		Shards:                  make([]shardJSON, 0, len(page)),
	}
	for _, sh := range page {
		j := shardJSON{ShardId: sh.id, ParentShardId: sh.parent}
		j.SequenceNumberRange.StartingSequenceNumber = seqString(sh.start)
		if sh.closed {
			j.SequenceNumberRange.EndingSequenceNumber = seqString(sh.last)
		}
		d.Shards = append(d.Shards, j)
	}
	if more {
		d.LastEvaluatedShardId = page[len(page)-1].id
	}
	return describeStreamOutput{StreamDescription: d}, nil
}

func (s *Server) getShardIterator(in *input, _ *Call) (any, *apiError) {
	_, sh, e := s.shard(in.StreamArn, in.ShardId)
	if e != nil {
		return nil, e
	}
	var after uint64
	switch t := types.ShardIteratorType(deref(in.ShardIteratorType)); t {
	case types.ShardIteratorTypeTrimHorizon:
		after = max(sh.start, sh.trimmed)
	case types.ShardIteratorTypeLatest:
		after = sh.last
	case types.ShardIteratorTypeAtSequenceNumber, types.ShardIteratorTypeAfterSequenceNumber:
		seq := deref(in.SequenceNumber)
		n, err := strconv.ParseUint(seq, 10, 64)
		switch {
		case len(seq) < 21:
			return nil, errorf("ValidationException", "1 validation error detected: Value '%s' at 'sequenceNumber' failed to satisfy constraint: Member must have length greater than or equal to 21", seq)
		case err != nil || n < sh.start:
			return nil, errorf("ValidationException", "Invalid SequenceNumber for the shard")
		}
		after = n
		if t == types.ShardIteratorTypeAtSequenceNumber {
			after = n - 1
		}
		if after < sh.trimmed {
			return nil, trimmedError()
		}
	default:
		return nil, errorf("ValidationException", "Invalid ShardIteratorType %q", t)
	}
	if sh.closed && sh.trimmed != 0 && sh.trimmed >= sh.last {
		// AWS gives no iterator for a closed shard with nothing left in it.
		return getShardIteratorOutput{}, nil
	}
	it := s.newIterator(deref(in.StreamArn), sh.id, after)
	return getShardIteratorOutput{ShardIterator: &it}, nil
}

func (s *Server) getRecords(in *input, c *Call) (any, *apiError) {
	limit, e := s.limit(in.Limit, maxRecordsLimit, s.opts.MaxRecordsPerCall)
	if e != nil {
		return nil, e
	}
	it, ok := s.parseIterator(deref(in.ShardIterator))
	if !ok {
		return nil, errorf("ValidationException", "Invalid ShardIterator")
	}
	if now := s.opts.Now(); it.epoch < s.epoch || now.Sub(it.issued) > iteratorLifetime {
		return nil, errorf("ExpiredIteratorException", "Iterator expired. The iterator was created at time %s while right now it is %s. The iterator is valid for 15 minutes.",
			it.issued.UTC().Format(time.UnixDate), now.UTC().Format(time.UnixDate))
	}
	x, sh, e := s.shard(&it.stream, &it.shard)
	if e != nil {
		return nil, e
	}
	if it.after < sh.trimmed {
		return nil, trimmedError()
	}
	i := slices.IndexFunc(sh.recs, func(r storedRecord) bool { return r.seq > it.after })
	if i < 0 {
		i = len(sh.recs)
	}
	page := sh.recs[i:min(i+limit, len(sh.recs))]
	out := getRecordsOutput{Records: make([]recordJSON, 0, len(page))}
	after := it.after
	size := 0
	for _, r := range page {
		j := s.recordJSON(x, r)
		// AWS returns at most 1 MB of records a call (at least one).
		if size += j.Dynamodb.SizeBytes; size > maxPageBytes && len(out.Records) > 0 {
			break
		}
		out.Records = append(out.Records, j)
		after = r.seq
	}
	page = page[:len(out.Records)]
	c.Records = len(page)
	// A closed shard read to its end has no next iterator: that null is how
	// a reader learns the shard is done.
	if c.End = sh.closed && after >= sh.last; !c.End {
		next := s.newIterator(it.stream, it.shard, after)
		out.NextShardIterator = &next
	}
	return out, nil
}

// newIterator issues an iterator. Its state is in the token itself, as
// AWS's are opaque and self-contained: the server keeps nothing per
// iterator, so thousands of shards polled for hours cost it no memory.
func (s *Server) newIterator(arn, shardID string, after uint64) string {
	s.nIters++
	return fmt.Sprintf("%s%08d|%d|%d|%d|%s|%s", s.iteratorPrefix(), s.nIters, after, s.epoch, s.opts.Now().UnixNano(), shardID, arn)
}

func (s *Server) iteratorPrefix() string {
	return "arn:aws:dynamodb:" + s.opts.Region + ":" + s.opts.Account + ":iterator/"
}

// parseIterator reads back a token of newIterator.
func (s *Server) parseIterator(tok string) (iterator, bool) {
	rest, ok := strings.CutPrefix(tok, s.iteratorPrefix())
	if !ok {
		return iterator{}, false
	}
	f := strings.SplitN(rest, "|", 6)
	if len(f) != 6 {
		return iterator{}, false
	}
	after, err1 := strconv.ParseUint(f[1], 10, 64)
	epoch, err2 := strconv.Atoi(f[2])
	issued, err3 := strconv.ParseInt(f[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return iterator{}, false
	}
	return iterator{stream: f[5], shard: f[4], after: after, epoch: epoch, issued: time.Unix(0, issued)}, true
}

func (s *Server) stream(arn *string) (*stream, *apiError) {
	for _, x := range s.streams {
		if x.spec.ARN == deref(arn) && !x.deleted {
			return x, nil
		}
	}
	return nil, errorf("ResourceNotFoundException", "Requested resource not found: Stream: %s not found", deref(arn))
}

func (s *Server) shard(arn, id *string) (*stream, *shard, *apiError) {
	x, e := s.stream(arn)
	if e != nil {
		return nil, nil, e
	}
	if sh := x.shard(deref(id)); sh != nil && !sh.deleted {
		return x, sh, nil
	}
	return nil, nil, errorf("ResourceNotFoundException", "Requested resource not found: Shard does not exist")
}

// limit validates a request's Limit against AWS's bound and applies the
// server's own cap.
func (s *Server) limit(l *int, bound, capped int) (int, *apiError) {
	if l == nil {
		return min(bound, capped), nil
	}
	if *l < 1 || *l > bound {
		return 0, errorf("ValidationException", "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *l, bound)
	}
	return min(*l, capped), nil
}

func trimmedError() *apiError {
	return errorf("TrimmedDataAccessException", "The operation attempted to read past the oldest stream record in a shard.")
}

func pageOf[T any](all []T, start, limit int) (page []T, more bool) {
	end := min(start+limit, len(all))
	return all[start:end], end < len(all)
}
