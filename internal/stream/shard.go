package stream

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/backoff"
)

// This file is the shard level: one shard read from its resume position to
// its end.

// shardReader reads one shard from its resume position to its end.
type shardReader struct {
	r      *Reader
	prog   *progress
	ref    ShardRef
	latest bool // may start at LATEST (first look, LATEST, open shard)
	log    *slog.Logger

	lastRead string // newest record handed to the processor in this run
	body     []byte // read buffer of GetRecords answers, kept from call to call
	// perRecord is the weight of a record of the last non-empty page (0:
	// none read yet): with the reservation it sets the GetRecords Limit.
	perRecord int64
}

// run returns nil when the shard is read to its end and every record is
// settled, errShardGone when the shard vanished, or ctx's error.
func (s *shardReader) run(ctx context.Context) error {
	m := s.r.m
	m.ShardsActive.Inc()
	defer m.ShardsActive.Dec()
	s.r.active.Add(1)
	defer s.r.active.Add(-1)

	// The shard's share of the byte budget, released as records are
	// acknowledged; after the processor is closed, whatever is left.
	h := &held{b: s.r.budget}
	defer h.releaseAll()
	proc := s.r.newProc(s.ref, func(seq string) {
		s.prog.ack(s.ref, seq)
		h.acked(seq)
	})
	defer proc.Close()

	st, _ := s.prog.stream(s.ref.StreamARN)
	pos := Resume(ResumeInput{Checkpoint: s.prog.shard(s.ref).Sequence, Latest: s.latest, ReadFrom: st.ReadFrom})
	s.latest = false // LATEST only for the very first iterator: a later one would skip records
	iter, notBefore, err := s.iterator(ctx, pos)
	if err != nil {
		return err
	}
	s.log.Info("reading shard", "position", pos.Type, "after_sequence", pos.Sequence)
	s.r.opts.Watcher.ShardPositioned(s.ref)

	bo := backoff.Exponential{Base: s.r.opts.BackoffBase, Max: s.r.opts.BackoffMax}
	reserve := int64(minReserve)
	empty := 0 // empty reads in a row
	for {
		// Room for the page before it is read: when the process's budget
		// is spent, reading waits for acknowledgements.
		got, err := s.r.budget.acquire(ctx, reserve)
		if err != nil {
			return ctx.Err()
		}
		var (
			extra Page
			size  int
		)
		in := &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(iter)}
		if s.perRecord > 0 {
			in.Limit = aws.Int32(pageLimit(got, s.perRecord))
		}
		began := time.Now()
		out, err := call(ctx, s.r, "GetRecords", func(ctx context.Context) (*dynamodbstreams.GetRecordsOutput, error) {
			return s.r.client.GetRecords(ctx, in, s.r.opts.Decoder.into(&extra, &s.body, &size))
		})
		if err != nil {
			s.r.budget.release(got)
			kind := classify(err)
			if kind == kindCanceled || ctx.Err() != nil {
				return ctx.Err()
			}
			switch kind {
			case kindExpired:
				s.log.Info("shard iterator expired; acquiring a new one", "after", s.lastRead)
				pos = Resume(ResumeInput{LastRead: s.lastRead, Checkpoint: s.prog.shard(s.ref).Sequence, ReadFrom: st.ReadFrom})
			case kindTrimmed:
				s.reportGap(pos)
				pos = AfterTrim()
				s.lastRead = ""
			case kindNotFound:
				return s.gone(ctx, proc)
			default:
				s.log.Warn("reading records failed; backing off", "kind", kind, "error", err)
				if err := bo.Wait(ctx); err != nil {
					return err
				}
				if kind != kindOther {
					continue // throttling, 5xx, network, auth: the iterator is still good
				}
				// An error we do not know may be about the iterator itself
				// (a ValidationException for a damaged one): repeating the
				// call would fail forever, so take a fresh iterator.
				pos = Resume(ResumeInput{LastRead: s.lastRead, Checkpoint: s.prog.shard(s.ref).Sequence, ReadFrom: st.ReadFrom})
			}
			// Records before the starting point may still be being skipped:
			// the new iterator must go on skipping them.
			if pos.NotBefore.IsZero() {
				pos.NotBefore = notBefore
			}
			if iter, notBefore, err = s.iterator(ctx, pos); err != nil {
				if errors.Is(err, errShardGone) {
					return s.gone(ctx, proc)
				}
				return err
			}
			continue
		}
		bo.Reset()

		// Settle the reservation to the page's size, and size the next.
		n := pageBytes(size, Page{Records: out.Records, Data: extra.Data})
		if got, err = s.r.budget.settle(ctx, got, n); err != nil {
			return err
		}
		if k := len(out.Records); k > 0 {
			s.perRecord = n / int64(k)
		}
		reserve = nextReserve(n, in.Limit != nil && len(out.Records) == int(*in.Limit), s.r.budget.size)
		page := Page{Records: out.Records, Data: extra.Data, Errs: extra.Errs}
		if n := len(page.Records); n > 0 {
			m.RecordsRead.Add(float64(n))
			s.lastRead = aws.ToString(page.Records[n-1].Dynamodb.SequenceNumber)
			if !notBefore.IsZero() {
				page, notBefore = skipBefore(page, notBefore)
				m.RecordsSkipped.Add(float64(n - len(page.Records)))
			}
		}
		var limit int32
		if in.Limit != nil {
			limit = *in.Limit
		}
		read := PageRead{Began: began, AtTip: atTip(len(out.Records), size, limit, out.NextShardIterator == nil), Records: page.Records}
		if err := s.r.opts.Watcher.PageRead(ctx, s.ref, read); err != nil {
			s.r.budget.release(got)
			return err
		}
		if last := lastSequence(page); last != "" {
			h.hold(last, got) // before Submit: its records may be acknowledged at once
			if err := proc.Submit(ctx, page); err != nil {
				return err
			}
			if cap(s.body) > maxKeptHandedOver {
				// A large page is handed over: its buffer goes with it
				// (counted in the page's weight until it is settled)
				// rather than stay with the shard between calls, where
				// no budget sees it: a hundred shards draining pages of
				// 1 MB would each keep one.
				s.body = nil
			}
		} else {
			s.r.budget.release(got)
			if len(out.Records) == 0 && cap(s.body) > minReserve {
				// Idle after a drain: a thousand idle shards must not
				// each keep a page-sized buffer.
				s.body = nil
			}
		}
		if out.NextShardIterator == nil {
			// The shard is closed and read to its end: finish it once
			// every record is settled. An empty page alone proves nothing:
			// DynamoDB Streams may return one before the end of a shard.
			return proc.Flush(ctx)
		}
		iter = *out.NextShardIterator
		if len(out.Records) == 0 {
			empty++
			if err := backoff.Sleep(ctx, idlePause(s.r.opts.IdleInterval, empty, s.r.active.Load())); err != nil {
				return err
			}
		} else {
			empty = 0
		}
	}
}

// iterator acquires an iterator at pos, falling back to the trim horizon
// when pos was trimmed away, and backing off on throttling and errors.
func (s *shardReader) iterator(ctx context.Context, pos Position) (string, time.Time, error) {
	bo := backoff.Exponential{Base: s.r.opts.BackoffBase, Max: s.r.opts.BackoffMax}
	for {
		in := &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(s.ref.StreamARN), ShardId: aws.String(s.ref.ShardID), ShardIteratorType: pos.Type,
		}
		if pos.Sequence != "" {
			in.SequenceNumber = aws.String(pos.Sequence)
		}
		out, err := call(ctx, s.r, "GetShardIterator", func(ctx context.Context) (*dynamodbstreams.GetShardIteratorOutput, error) {
			return s.r.client.GetShardIterator(ctx, in)
		})
		if err == nil {
			if out.ShardIterator == nil {
				// DynamoDB returns no iterator for a closed shard whose
				// records are all expired.
				return "", time.Time{}, errShardGone
			}
			return *out.ShardIterator, pos.NotBefore, nil
		}
		kind := classify(err)
		if kind == kindCanceled || ctx.Err() != nil {
			return "", time.Time{}, ctx.Err()
		}
		switch kind {
		case kindTrimmed:
			s.reportGap(pos)
			notBefore := pos.NotBefore // still skipping records before the starting point
			pos = AfterTrim()
			pos.NotBefore = notBefore
			continue
		case kindNotFound:
			return "", time.Time{}, errShardGone
		case kindOther:
			var api interface{ ErrorCode() string }
			if errors.As(err, &api) && api.ErrorCode() == "ValidationException" && pos.Type == types.ShardIteratorTypeAfterSequenceNumber {
				// A sequence number the shard does not know (a damaged or
				// foreign checkpoint) must not stall the shard forever:
				// reading it again from its start duplicates, loses nothing.
				s.log.Error("the shard rejected the saved sequence number; reading the shard from its oldest record",
					"sequence", pos.Sequence, "error", err)
				st, _ := s.prog.stream(s.ref.StreamARN)
				pos = Position{Type: types.ShardIteratorTypeTrimHorizon, NotBefore: st.ReadFrom}
				continue
			}
		}
		s.log.Warn("getting a shard iterator failed; backing off", "kind", kind, "error", err)
		if err := bo.Wait(ctx); err != nil {
			return "", time.Time{}, err
		}
	}
}

// gone settles what was read of a shard that vanished before its end: the
// shard cannot be read again after a restart, so abandoning those records
// (as closing the processor may) would lose them.
func (s *shardReader) gone(ctx context.Context, proc Processor) error {
	if err := proc.Flush(ctx); err != nil {
		return err
	}
	return errShardGone
}

// reportGap reports, loudly, that records were trimmed before they were read.
func (s *shardReader) reportGap(pos Position) {
	s.r.m.TrimmedGaps.Inc()
	s.log.Error("records were trimmed from the stream before they could be read; continuing at the oldest record left",
		"after_sequence", pos.Sequence, "position", pos.Type)
}

// skipBefore drops the records created before t, up to the first one that
// is not, and returns the zero time once such a record is found so that
// later records are never dropped for an out-of-order timestamp.
func skipBefore(page Page, t time.Time) (Page, time.Time) {
	for i, rec := range page.Records {
		if c := rec.Dynamodb.ApproximateCreationDateTime; c == nil || !c.Before(t) {
			page.Records = page.Records[i:]
			if page.Data != nil {
				page.Data = page.Data[i:]
			}
			if page.Errs != nil {
				page.Errs = page.Errs[i:]
			}
			return page, time.Time{}
		}
	}
	return Page{}, t
}
