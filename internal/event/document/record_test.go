package document

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/event/v1json"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/plainitem"
)

func readPage(t testing.TB) []byte {
	t.Helper()
	body, err := os.ReadFile("../lambda/testdata/page.json")
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func decodeNumbers(t *testing.T, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("document is not JSON: %v\n%s", err, data)
	}
	return m
}

// Each document holds exactly the documented members, with the images as
// plain JSON equal to what aws-sdk-go-v2's attributevalue makes of the
// wire's images: 38-digit numbers exact, sets, nested maps, binary.
func TestDocumentsMatchAttributeValue(t *testing.T) {
	body := readPage(t)
	page, err := DecodeGetRecords(body)
	if err != nil {
		t.Fatal(err)
	}
	var wire struct {
		Records []struct {
			Dynamodb struct {
				ApproximateCreationDateTime float64
				Keys, NewImage, OldImage    json.RawMessage
				SequenceNumber              string
			} `json:"dynamodb"`
			EventName    string `json:"eventName"`
			UserIdentity *struct{ Type string }
		}
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		t.Fatal(err)
	}
	if page.Errs != nil {
		t.Fatalf("errs %v", page.Errs)
	}
	for i, w := range wire.Records {
		got := decodeNumbers(t, page.Data[i])
		want := map[string]any{
			"operation":                   w.EventName,
			"sequenceNumber":              w.Dynamodb.SequenceNumber,
			"approximateCreationDateTime": time.UnixMilli(int64(w.Dynamodb.ApproximateCreationDateTime * 1000)).UTC().Format(time.RFC3339Nano),
		}
		for name, img := range map[string]json.RawMessage{"keys": w.Dynamodb.Keys, "newImage": w.Dynamodb.NewImage, "oldImage": w.Dynamodb.OldImage} {
			if img == nil {
				continue
			}
			item, err := plainitem.FromWire(img)
			if err != nil {
				t.Fatal(err)
			}
			if want[name], err = plainitem.FromItem(item); err != nil {
				t.Fatal(err)
			}
		}
		if w.UserIdentity != nil {
			want["ttl"] = true
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("record %d:\n got %#v\nwant %#v\n%s", i, got, want, page.Data[i])
		}
	}
	if !bytes.Contains(page.Data[0], []byte(`"big":12345678901234567890123456789012345678,`)) ||
		!bytes.Contains(page.Data[0], []byte(`"exp":1E+30,`)) {
		t.Errorf("numbers not written as DynamoDB's literals: %s", page.Data[0])
	}
	if !bytes.HasPrefix(page.Data[0], []byte(`{"operation":"INSERT","keys":{"pk":"user#1","sk":2024},"newImage":`)) {
		t.Errorf("members not in the documented order: %.80s", page.Data[0])
	}
}

// A record whose value this shape cannot write is refused, with its raw
// record for a dead-letter sink; the rest of the page is rendered.
func TestRecordsThatCannotBeWrittenAreRefused(t *testing.T) {
	const rec = `{"dynamodb":{"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"x":{%s}},"SequenceNumber":"1","StreamViewType":"NEW_IMAGE"},"eventID":"e","eventName":"INSERT"}`
	for _, tc := range []struct{ rule, value string }{
		{"an unknown type is refused", `"Q":"1"`},
		{"a value of two types is refused", `"S":"1","N":"1"`},
		{"a value of no type is refused", ``},
		{"an N that is no JSON number is refused", `"N":"+1"`},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			bad := []byte(`{"Records":[` + sprintf(rec, tc.value) + `,` + sprintf(rec, `"S":"ok"`) + `]}`)
			page, err := DecodeGetRecords(bad)
			if err != nil {
				t.Fatal(err)
			}
			var re *v1json.RecordError
			if len(page.Errs) != 2 || page.Errs[1] != nil || page.Data[0] != nil || page.Data[1] == nil {
				t.Fatalf("errs %v data %q", page.Errs, page.Data)
			}
			if !asRecordError(page.Errs[0], &re) || !bytes.Contains(re.Raw, []byte(`"x":{`+tc.value+`}`)) {
				t.Errorf("error %v does not carry the raw record", page.Errs[0])
			}
		})
	}
}
