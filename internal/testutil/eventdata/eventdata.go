package eventdata

import (
	"encoding/json"
	"fmt"
	"strconv"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// Image is an item as the event data writes it: attribute name → the
// DynamoDB JSON of its value ({"S": "x"}, {"N": "1"}, …).
type Image map[string]map[string]any

// Record is the part of an event's data the tests read.
type Record struct {
	EventID   string
	EventName string
	Dynamodb  struct {
		Keys           Image
		NewImage       Image
		OldImage       Image
		SequenceNumber string
		StreamViewType string
	}
}

// Decode reads the data of e.
func Decode(e cloudevents.Event) (Record, error) {
	var r Record
	if err := json.Unmarshal(e.Data(), &r); err != nil {
		return Record{}, fmt.Errorf("decoding the data of event %s: %w\n%s", e.ID(), err, e.Data())
	}
	return r, nil
}

// S is the string attribute name of the image, "" if it has none.
func (im Image) S(name string) string {
	s, _ := im[name]["S"].(string)
	return s
}

// PK is the record's string key pk, "" if none.
func (r Record) PK() string { return r.Dynamodb.Keys.S("pk") }

// Version is the number v of the record's new image (see
// ddblocal.VersionItem); ok is false when the image has no such number.
func (r Record) Version() (v int, ok bool) {
	s, isString := r.Dynamodb.NewImage["v"]["N"].(string)
	if !isString {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	return v, err == nil
}
