package eventdata

import (
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

func event(t *testing.T, data string) cloudevents.Event {
	t.Helper()
	e := cloudevents.NewEvent()
	e.SetID("e1")
	if err := e.SetData(cloudevents.ApplicationJSON, []byte(data)); err != nil {
		t.Fatal(err)
	}
	return e
}

// The shape is TriggerMesh's stream record (internal/event/testdata holds
// the full contract); these are the fields the suites read.
func TestDecodeReadsTheFieldsTheSuitesRead(t *testing.T) {
	r, err := Decode(event(t, `{"awsRegion":"ddblocal","eventID":"id-1","eventName":"MODIFY","dynamodb":{
		"Keys":{"pk":{"S":"order-1"},"sk":{"S":"0"}},
		"NewImage":{"pk":{"S":"order-1"},"sk":{"S":"0"},"v":{"N":"7"}},
		"OldImage":{"pk":{"S":"order-1"},"sk":{"S":"0"},"v":{"N":"6"}},
		"SequenceNumber":"000000000000000000042","StreamViewType":"NEW_AND_OLD_IMAGES"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.EventID != "id-1" || r.EventName != "MODIFY" || r.Dynamodb.SequenceNumber != "000000000000000000042" ||
		r.Dynamodb.StreamViewType != "NEW_AND_OLD_IMAGES" || r.Dynamodb.OldImage.S("pk") != "order-1" {
		t.Errorf("Decode = %+v", r)
	}
	if r.PK() != "order-1" {
		t.Errorf("PK = %q, want order-1", r.PK())
	}
	if v, ok := r.Version(); v != 7 || !ok {
		t.Errorf("Version = %d, %v; want 7, true", v, ok)
	}
}

func TestVersionIsMissingWithoutANumberV(t *testing.T) {
	for name, data := range map[string]string{
		"keys only":       `{"dynamodb":{"Keys":{"pk":{"S":"a"}}}}`,
		"v is a string":   `{"dynamodb":{"NewImage":{"v":{"S":"7"}}}}`,
		"v is not an int": `{"dynamodb":{"NewImage":{"v":{"N":"7.5"}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			r, err := Decode(event(t, data))
			if err != nil {
				t.Fatal(err)
			}
			if v, ok := r.Version(); ok {
				t.Errorf("Version = %d, true; want false", v)
			}
		})
	}
}

func TestDecodeOfDataThatIsNotARecordIsAnError(t *testing.T) {
	if r, err := Decode(event(t, `{"dynamodb":"not an object"}`)); err == nil {
		t.Errorf("Decode = %+v, nil; want an error", r)
	}
}
