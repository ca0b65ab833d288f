package event_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/dynamodb-source/dynamodb-source/internal/event/document"
	"github.com/dynamodb-source/dynamodb-source/internal/event/lambda"
	"github.com/dynamodb-source/dynamodb-source/internal/event/v1json"
)

// FuzzShapes feeds any answer to the lambda and document renderers: they
// never panic, they read the page as the TriggerMesh shape does (the same
// records, or the same failure), and every record they render is JSON.
func FuzzShapes(f *testing.F) {
	page, err := os.ReadFile("lambda/testdata/page.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(page)
	f.Add([]byte(`{"Records":[{"dynamodb":{"Keys":{"pk":{"N":"1e400"}},"NewImage":{"x":{"L":[{"NULL":true},{"SS":[]}]}},"SequenceNumber":"1"},"eventID":"\u00e9\ud800","eventName":"INSERT"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		want, wantErr := v1json.DecodeGetRecords(body)
		for name, decode := range map[string]func([]byte) (v1json.Page, error){
			"lambda": lambda.DecodeGetRecords, "document": document.DecodeGetRecords,
		} {
			got, err := decode(body)
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("%s: error %v, TriggerMesh's %v", name, err, wantErr)
			}
			if err != nil {
				continue
			}
			if len(got.Records) != len(want.Records) {
				t.Fatalf("%s: %d records, TriggerMesh's %d", name, len(got.Records), len(want.Records))
			}
			for i, d := range got.Data {
				if d != nil && name == "lambda" {
					d = lambda.WithSourceARN(d, "arn")
				}
				if d != nil && !json.Valid(d) {
					t.Fatalf("%s: record %d is not JSON: %s", name, i, d)
				}
			}
		}
	})
}
