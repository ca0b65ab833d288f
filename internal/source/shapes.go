package source

import (
	"errors"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/event/document"
	"github.com/dynamodb-source/dynamodb-source/internal/event/lambda"
	"github.com/dynamodb-source/dynamodb-source/internal/event/v1json"
	"github.com/dynamodb-source/dynamodb-source/internal/filter"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

// The data shapes and the filter, at the seam between reading and events
// (internal/event/doc.go): spec.dataFormat picks the shape whose renderer
// decodes each GetRecords answer; spec.filterCriteria's patterns are
// matched there too, against the record in Lambda's shape.

// errFiltered marks, in a page's Errs, a record that matches no filter
// pattern: the shard processor settles it without sending it, so that the
// checkpoint moves past it, and counts it in events_filtered_total.
var errFiltered = errors.New("the change matches no filter pattern")

// renderer returns the v1json.RenderRecord of a data format (one that
// Validate accepted).
func renderer(format string) v1json.RenderRecord {
	switch format {
	case v1alpha1.DataFormatLambda:
		return lambda.Render
	case v1alpha1.DataFormatDocument:
		return document.Render
	}
	return nil // TriggerMesh's: v1json.DecodeGetRecords
}

// newDecoder returns the stream.Decoder of the source: the data format's
// renderer decodes each answer and renders every record's event data in
// one pass. With a filter, every record that matches no pattern leaves the
// page marked errFiltered; the patterns see the record in Lambda's shape
// (without eventSourceARN, which Validate keeps out of patterns): the
// data itself for the lambda format, else a second rendering of the page,
// made only when there are patterns.
func newDecoder(format string, f *filter.Filter) stream.Decoder {
	render := renderer(format)
	decode := v1json.DecodeGetRecords
	if render != nil {
		decode = func(body []byte) (v1json.Page, error) { return v1json.DecodeWith(body, render) }
	}
	return func(body []byte) (*string, stream.Page, error) {
		p, err := decode(body)
		if err == nil && f.Len() > 0 {
			err = applyFilter(f, format, body, &p)
		}
		return p.NextShardIterator, stream.Page{Records: p.Records, Data: p.Data, Errs: p.Errs}, err
	}
}

// applyFilter marks the records of p that match no pattern of f.
func applyFilter(f *filter.Filter, format string, body []byte, p *v1json.Page) error {
	match := p.Data
	if format != v1alpha1.DataFormatLambda {
		lp, err := v1json.DecodeWith(body, lambda.RenderForMatch)
		if err != nil {
			return err
		}
		if len(lp.Data) != len(p.Data) {
			return errors.New("decoding GetRecords for the filter: the page has another number of records") // cannot happen: one answer
		}
		match = lp.Data
	}
	for i := range p.Data {
		if p.Errs != nil && p.Errs[i] != nil {
			continue // refused: it goes to the dead-letter sink, matched or not
		}
		if match[i] == nil || f.Match(match[i]) {
			continue
		}
		if p.Errs == nil {
			p.Errs = make([]error, len(p.Data))
		}
		p.Errs[i], p.Data[i] = errFiltered, nil
	}
	return nil
}

// withSourceARN is the shard processor's last step of the lambda format's
// data: the stream's ARN, which the answer does not carry.
func withSourceARN(format string) func(data []byte, streamARN string) []byte {
	if format == v1alpha1.DataFormatLambda {
		return lambda.WithSourceARN
	}
	return nil
}
