package v1json

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Page is one GetRecords answer decoded by DecodeGetRecords.
type Page struct {
	NextShardIterator *string
	// Records are light: each has its eventID, eventName and, in Dynamodb,
	// its Keys, SequenceNumber, ApproximateCreationDateTime, SizeBytes and
	// StreamViewType, which is what reading and ConvertData use; the images
	// and the other fields are only in Data. Dynamodb is never nil: a
	// record without one gets an empty one (and is refused, see Errs), so
	// that the reader may take any record's sequence number.
	Records []types.Record
	// Data[i] is the event data of Records[i], as ConvertData takes it;
	// nil for a refused record.
	Data [][]byte
	// Errs, when not nil, says why a record is refused (Errs[i] not nil,
	// Data[i] nil): an attribute value of a type this source does not
	// know, or no stream record (ErrNoStreamRecord). The rest of the page
	// is read; such a record is for the caller to skip and report, so that
	// it does not hold the shard up. Each such error is a *RecordError,
	// which keeps the record's raw JSON for a dead-letter sink.
	Errs []error
}

// ErrNoStreamRecord is why a record without "dynamodb" (absent or null) is
// refused: it has no sequence number to order or checkpoint it by and no
// key, so it cannot become an event of its shard. The service never sends
// one; a proxy or an emulator might, and it must not crash the reader.
var ErrNoStreamRecord = errors.New(`stream record has no "dynamodb" member (no sequence number, no keys), so it cannot become an event`)

// RecordError is why DecodeGetRecords refused one record of a page, with
// the record as it came. What could be read of it (eventID, sequence number,
// keys) is in its light record, Page.Records at the same index.
type RecordError struct {
	// Raw is the record's JSON text, exactly as it was in the answer (its
	// own copy: the body is the caller's and reused), for a dead-letter
	// sink to send as it is.
	Raw []byte
	// Err says what is wrong; ErrNoStreamRecord, or an unknown attribute
	// type.
	Err error
}

func (e *RecordError) Error() string { return e.Err.Error() }

func (e *RecordError) Unwrap() error { return e.Err }

// RawRecord returns Raw: the method a dead-letter sink may look for
// (interface{ RawRecord() []byte }) without importing this package, which
// every data shape's refusals implement alike.
func (e *RecordError) RawRecord() []byte { return e.Raw }

// DecodeGetRecords decodes the body of a successful GetRecords answer (the
// DynamoDB Streams JSON wire format) and renders each record's event data
// straight from it, the way TriggerMesh's SDK v1 did: one pass over the
// JSON (scan.go), instead of building the SDK's typed records with a map
// per image and an interface value per attribute, and then walking them
// again to write the data. Those two were a third of the source's CPU per
// event, and their maps most of a page's memory (docs/benchmarks.md).
//
// It follows SDK v1's decoder where the wire allows a choice: field names
// match exactly, a field given twice keeps its last value, unknown fields
// are ignored, JSON null is an absent value, timestamps are epoch seconds
// cut to the millisecond. Unlike SDK v1, which would write an attribute
// value of a type it does not know as all nulls, it leaves such a record's
// data out and says why in Errs; so it does for a record without stream
// record. The rest of the page is decoded. An answer that is not JSON, or
// not the shape of a GetRecords answer, is an error. getrecords_test.go
// holds the output byte for byte against SDK v1's.
func DecodeGetRecords(body []byte) (Page, error) {
	d := decoders.Get().(*decoder)
	defer decoders.Put(d)
	return DecodeWith(body, d.render)
}

// render is DecodeGetRecords's RenderRecord: SDK v1's record.
func (d *decoder) render(s *Scanner, b []byte, rec *types.Record) ([]byte, error) {
	d.s, d.recErr = &s.s, nil
	b = d.record(b, rec)
	d.s = nil // the scanner is the page's
	return b, d.recErr
}

// RenderRecord renders one record of a page in a data shape: s is at the
// record's JSON object, which it must read whole; it appends the event data
// to b, fills the light record rec as Page.Records describes it (Dynamodb
// nil when the record has no "dynamodb"), and returns b and, for a record
// it refuses, why. A scan error (s.Err) fails the page.
type RenderRecord func(s *Scanner, b []byte, rec *types.Record) ([]byte, error)

// pageDecoder is the scratch DecodeWith keeps from page to page.
type pageDecoder struct {
	sc  Scanner
	out []byte
}

var pageDecoders = sync.Pool{New: func() any { return new(pageDecoder) }}

// DecodeWith decodes a GetRecords answer as DecodeGetRecords does, each
// record's data rendered by render: the entry point of every data shape,
// which keeps the page's rules (refused records, RecordError with the raw
// record, the arena the data is handed out from) in one place.
func DecodeWith(body []byte, render RenderRecord) (Page, error) {
	d := pageDecoders.Get().(*pageDecoder)
	s := &d.sc.s
	*s = scanner{data: body, keyBuf: s.keyBuf[:0], strBuf: s.strBuf[:0]}
	inRecord := false
	defer func() {
		s.data = nil // the body is the caller's
		// A page of outsized items (DynamoDB allows 400 KB each) does not
		// keep its scratch for good.
		if cap(d.out) <= 1<<20 {
			pageDecoders.Put(d)
		}
	}()
	var (
		page Page
		a    arena
	)
	if s.next() == 0 || s.null() {
		return Page{}, nil // as the SDK takes an empty answer
	}
	s.object(func(key []byte) {
		switch string(key) {
		case "NextShardIterator":
			if !s.null() {
				v := string(s.str())
				page.NextShardIterator = &v
			}
		case "Records":
			if s.null() {
				page.Records, page.Data = nil, nil
				return
			}
			page.Records, page.Data = page.Records[:0], page.Data[:0]
			s.array(func() {
				page.Records = append(page.Records, types.Record{})
				rec := &page.Records[len(page.Records)-1]
				inRecord = true
				s.next()
				start := s.pos
				var recErr error
				d.out, recErr = render(&d.sc, d.out[:0], rec)
				if s.err != nil {
					return
				}
				inRecord = false
				if rec.Dynamodb == nil && recErr == nil {
					recErr = ErrNoStreamRecord
				}
				if recErr != nil {
					if rec.Dynamodb == nil {
						rec.Dynamodb = &types.StreamRecord{}
					}
					recErr = &RecordError{Raw: bytes.Clone(s.data[start:s.pos]), Err: recErr}
				}
				if recErr != nil && page.Errs == nil {
					page.Errs = make([]error, len(page.Records)-1, cap(page.Records))
				}
				if page.Errs != nil {
					page.Errs = append(page.Errs, recErr)
				}
				var data []byte
				if recErr == nil {
					data = a.copy(d.out)
				}
				page.Data = append(page.Data, data)
			})
		default:
			s.skip()
		}
	})
	s.end()
	if err := s.err; err != nil {
		if inRecord {
			n := len(page.Records) - 1
			id := "#" + strconv.Itoa(n)
			if eid := page.Records[n].EventID; eid != nil {
				id = *eid + " (" + id + ")"
			}
			return Page{}, fmt.Errorf("decoding GetRecords: record %s: %w", id, err)
		}
		return Page{}, fmt.Errorf("decoding GetRecords: %w", err)
	}
	return page, nil
}
