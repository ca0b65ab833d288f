package snapshot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynamodb-source/dynamodb-source/internal/backoff"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

// ScanClient is the part of the DynamoDB API the snapshot uses.
// *dynamodb.Client satisfies it.
type ScanClient interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// scanPage makes one consistent Scan call of a segment, backing off with
// jitter on throttling and transient failures, and pacing to the read rate.
// A refusal of access is returned at once, naming the permission.
func (s *Snapshot) scanPage(ctx context.Context, segment int, after map[string]ddb.AttributeValue) (*dynamodb.ScanOutput, error) {
	in := &dynamodb.ScanInput{
		TableName: aws.String(s.cfg.Table.Table), ConsistentRead: aws.Bool(true),
		Segment: aws.Int32(int32(segment)), TotalSegments: aws.Int32(int32(len(s.state.Segments))),
		ExclusiveStartKey: after,
	}
	if s.cfg.PageLimit > 0 {
		in.Limit = aws.Int32(int32(s.cfg.PageLimit))
	}
	if s.pace != nil {
		in.ReturnConsumedCapacity = ddb.ReturnConsumedCapacityTotal
	}
	bo := backoff.Exponential{Base: 50 * time.Millisecond, Max: 5 * time.Second}
	for {
		if err := s.pace.wait(ctx); err != nil {
			return nil, err
		}
		out, err := s.cfg.Client.Scan(ctx, in)
		if err == nil {
			if s.pace != nil && out.ConsumedCapacity != nil {
				s.pace.spend(aws.ToFloat64(out.ConsumedCapacity.CapacityUnits))
			}
			return out, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		switch scanErrorKind(err) {
		case scanAccess:
			return nil, s.accessError(err)
		case scanFatal:
			return nil, fmt.Errorf("scanning segment %d of table %q: %w", segment, s.cfg.Table.Table, err)
		}
		s.log.Warn("scanning the table failed; backing off", "segment", segment, "error", err)
		if err := bo.Wait(ctx); err != nil {
			return nil, err
		}
	}
}

// accessError says which permission the snapshot lacks.
func (s *Snapshot) accessError(err error) error {
	return fmt.Errorf("%w: scanning table %q for the initial snapshot: %s: allow dynamodb:Scan on %s (or set snapshot.mode none)",
		stream.ErrAccess, s.cfg.Table.Table, apiMessage(err), s.cfg.Table.String())
}

type scanKind int

const (
	scanRetry  scanKind = iota // throttling, 5xx, network: back off and retry
	scanAccess                 // credentials or permissions refused
	scanFatal                  // the table is gone, or the request is wrong
)

// scanErrorKind classifies a failed Scan.
func scanErrorKind(err error) scanKind {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return scanRetry // network
	}
	switch api.ErrorCode() {
	case "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
		"MissingAuthenticationTokenException", "ExpiredTokenException", "UnauthorizedOperation":
		return scanAccess
	case "ResourceNotFoundException", "ValidationException":
		return scanFatal
	}
	return scanRetry // ProvisionedThroughputExceededException, ThrottlingException, RequestLimitExceeded, 5xx
}

func apiMessage(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		if m := api.ErrorMessage(); m != "" {
			return api.ErrorCode() + ": " + m
		}
		return api.ErrorCode()
	}
	return err.Error()
}

// pacer spends a budget of read capacity units per second over every
// segment: a call waits while the budget is overspent.
type pacer struct {
	rate float64 // units per second
	mu   sync.Mutex
	have float64 // units available, up to rate (one second's worth)
	at   time.Time
}

func newPacer(rate int) *pacer {
	if rate <= 0 {
		return nil
	}
	return &pacer{rate: float64(rate), have: float64(rate), at: time.Now()}
}

// refill adds what the time since the last refill earned; mu is held.
func (p *pacer) refill(now time.Time) {
	p.have = min(p.rate, p.have+now.Sub(p.at).Seconds()*p.rate)
	p.at = now
}

// wait blocks until the budget is not overspent.
func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	for {
		p.mu.Lock()
		p.refill(time.Now())
		have := p.have
		p.mu.Unlock()
		if have >= 0 {
			return nil
		}
		if err := backoff.Sleep(ctx, time.Duration(-have/p.rate*float64(time.Second))+time.Millisecond); err != nil {
			return err
		}
	}
}

// spend takes what a call consumed; the next calls wait it off.
func (p *pacer) spend(units float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refill(time.Now())
	p.have -= units
}
