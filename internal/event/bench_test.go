package event

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// BenchmarkToEvent converts a typical NEW_AND_OLD_IMAGES MODIFY record: a
// two-attribute key and two images of ten more attributes each, nested
// maps and lists included. This is the per-record cost on the hot path.
func BenchmarkToEvent(b *testing.B) {
	r := testRecord(types.StreamViewTypeNewAndOldImages, types.OperationTypeModify)
	c := &Converter{Source: testARN}
	e, err := c.Convert(r)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(e.DataEncoded)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Convert(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkToEventTriggerMeshWay is the baseline being replaced: the same
// event built with the SDK's setters, SetData running reflection-based
// json.Marshal on the SDK v1 record, as TriggerMesh did (building the v1
// record is excluded).
func BenchmarkToEventTriggerMeshWay(b *testing.B) {
	r := toV1Record(testRecord(types.StreamViewTypeNewAndOldImages, types.OperationTypeModify))
	b.ReportAllocs()
	for b.Loop() {
		e := cloudevents.NewEvent(cloudevents.VersionV1)
		e.SetType(Type)
		e.SetSubject("pk,sk")
		e.SetSource(testARN)
		e.SetID(*r.EventID)
		e.SetExtension(ExtensionOperation, *r.EventName)
		if err := e.SetData(cloudevents.ApplicationJSON, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSubject(b *testing.B) {
	keys := testKeys()
	b.ReportAllocs()
	for b.Loop() {
		_ = Subject(keys)
	}
}
