package v1json

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"

	awsv2 "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go/private/protocol/json/jsonutil"
	v1streams "github.com/aws/aws-sdk-go/service/dynamodbstreams"

	"github.com/dynamodb-source/dynamodb-source/internal/event"
)

// decodeCases are GetRecords answers for DecodeGetRecords, beside
// getRecordsResponse: the wire's corners.
var decodeCases = map[string]string{
	"every attribute type": getRecordsResponse,
	"no records":           `{"NextShardIterator":"it-2","Records":[]}`,
	"shard closed":         `{"NextShardIterator":null,"Records":[]}`,
	"nothing at all":       `{}`,
	"timestamps": `{"Records":[
		{"eventID":"1","dynamodb":{"ApproximateCreationDateTime":1.7092962451239E9,"SequenceNumber":"1","Keys":{"k":{"S":"a"}}}},
		{"eventID":"2","dynamodb":{"ApproximateCreationDateTime":1709296245.1239,"SequenceNumber":"2"}},
		{"eventID":"3","dynamodb":{"ApproximateCreationDateTime":1709296245.9,"SequenceNumber":"3"}},
		{"eventID":"4","dynamodb":{"ApproximateCreationDateTime":1709296245,"SequenceNumber":"4"}},
		{"eventID":"5","dynamodb":{"ApproximateCreationDateTime":1.7e9,"SequenceNumber":"5"}},
		{"eventID":"6","dynamodb":{"ApproximateCreationDateTime":0.5,"SequenceNumber":"6"}}]}`,
	"escapes and unicode": `{"Records":[{"eventID":"e\u00e9\/x","eventName":"INSERT","dynamodb":{
		"Keys":{"p\u006b":{"S":"\ud83d\ude00 <&> \t\"q\""}},
		"NewImage":{"p\u006b":{"S":"\ud83d\ude00 <&> \t\"q\""},"n":{"N":"-1.5E-3"},"u":{"S":"\u2028\u2029\u0000"}},
		"SequenceNumber":"9","SizeBytes":12.9,"StreamViewType":"NEW_IMAGE"}}]}`,
	"a name given twice keeps its last value": `{"Records":[{"eventID":"x","eventID":"y","dynamodb":{
		"NewImage":{"a":{"S":"first"},"b":{"N":"1"},"a":{"S":"second"}},"SequenceNumber":"1"}}]}`,
	"attribute value with two members or none": `{"Records":[{"eventID":"x","dynamodb":{
		"NewImage":{"two":{"S":"s","N":"1"},"none":{},"nul":null,"halfnull":{"S":null,"N":"2"}},"SequenceNumber":"1"}}]}`,
	"user identity of a TTL removal": `{"Records":[{"eventID":"x","eventName":"REMOVE","dynamodb":{"SequenceNumber":"1"},
		"userIdentity":{"PrincipalId":"dynamodb.amazonaws.com","Type":"Service"}}]}`,
	"empty strings and bytes that are not UTF-8": "{\"Records\":[{\"eventID\":\"a\xffb\",\"eventName\":\"\",\"dynamodb\":{\"SequenceNumber\":\"\xff\",\"StreamViewType\":\"\",\"NewImage\":{\"k\xfe\":{\"S\":\"\xc3\"}}}}]}",
	// "dynamodb": null itself makes the record refused: see
	// TestDecodeGetRecordsRefusesARecordWithoutStreamRecord.
	"nulls where values may be": `{"Records":[{"awsRegion":null,"eventID":"x","eventName":null,"userIdentity":null,"dynamodb":{
		"ApproximateCreationDateTime":null,"Keys":null,"NewImage":null,"OldImage":null,"SequenceNumber":"1","SizeBytes":null,"StreamViewType":null}}]}`,
	"unknown fields are ignored": `{"Later":1,"Records":[{"eventID":"x","extra":{"deep":[1,2]},
		"dynamodb":{"SequenceNumber":"1","Extra":true,"Keys":{"k":{"N":"1"}}}}]}`,
	"sets and lists, empty and nested": `{"Records":[{"eventID":"x","dynamodb":{"SequenceNumber":"1","NewImage":{
		"ss":{"SS":[]},"ns":{"NS":["1"]},"bs":{"BS":[]},"l":{"L":[{"L":[{"M":{"z":{"B":"AA=="},"a":{"BOOL":true}}}]},{"NULL":true}]},
		"m":{"M":{}},"b":{"B":""}}}}]}`,
}

// The data DecodeGetRecords renders must be SDK v1's — TriggerMesh's — byte
// for byte, for every answer SDK v1 decodes.
func TestDecodeGetRecordsMatchesSDKv1(t *testing.T) {
	for name, body := range decodeCases {
		t.Run(name, func(t *testing.T) { checkAgainstSDKv1(t, []byte(body)) })
	}
}

func checkAgainstSDKv1(t *testing.T, body []byte) {
	t.Helper()
	var v1out v1streams.GetRecordsOutput
	if err := jsonutil.UnmarshalJSON(&v1out, bytes.NewReader(body)); err != nil {
		t.Skipf("SDK v1 does not decode this answer either: %v", err)
	}
	page, err := DecodeGetRecords(body)
	if err != nil {
		t.Fatalf("DecodeGetRecords: %v", err)
	}
	if !reflect.DeepEqual(page.NextShardIterator, v1out.NextShardIterator) {
		t.Errorf("NextShardIterator = %v, SDK v1 %v", str(page.NextShardIterator), str(v1out.NextShardIterator))
	}
	if len(page.Records) != len(v1out.Records) || len(page.Data) != len(v1out.Records) {
		t.Fatalf("%d records and %d data, SDK v1 decoded %d", len(page.Records), len(page.Data), len(v1out.Records))
	}
	for i, v1rec := range v1out.Records {
		want, err := json.Marshal(v1rec)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(page.Data[i], want) {
			t.Errorf("record %d:\n got: %s\nwant: %s", i, page.Data[i], want)
		}
		if got, want := page.Records[i].EventID, v1rec.EventID; !reflect.DeepEqual(got, want) {
			t.Errorf("record %d: EventID %v, want %v", i, str(got), str(want))
		}
		if sr, v1sr := page.Records[i].Dynamodb, v1rec.Dynamodb; v1sr != nil {
			if sr == nil {
				t.Fatalf("record %d: no Dynamodb, SDK v1 has one", i)
			}
			if !reflect.DeepEqual(sr.SequenceNumber, v1sr.SequenceNumber) || !reflect.DeepEqual(sr.ApproximateCreationDateTime, v1sr.ApproximateCreationDateTime) {
				t.Errorf("record %d: sequence %v at %v, SDK v1 %v at %v", i, str(sr.SequenceNumber), sr.ApproximateCreationDateTime, str(v1sr.SequenceNumber), v1sr.ApproximateCreationDateTime)
			}
		}
	}
}

func str(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// The light records and their data make the same events as the SDK's
// records do through Convert: same attributes, same data.
func TestConvertDataOfDecodedRecordsEqualsConvert(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(getRecordsResponse))
	}))
	defer srv.Close()
	client := dynamodbstreams.New(dynamodbstreams.Options{
		Region: "eu-west-1", BaseEndpoint: awsv2.String(srv.URL), Credentials: awsv2.AnonymousCredentials{},
		HTTPClient: srv.Client(), RetryMaxAttempts: 1,
	})
	out, err := client.GetRecords(context.Background(), &dynamodbstreams.GetRecordsInput{ShardIterator: awsv2.String("it")})
	if err != nil {
		t.Fatal(err)
	}
	page, err := DecodeGetRecords([]byte(getRecordsResponse))
	if err != nil {
		t.Fatal(err)
	}
	c, err := event.NewConverter("arn:aws:dynamodb:eu-west-1:123456789012:table/users", map[string]string{"team": "data"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range out.Records {
		want, err := convertRecord(c, out.Records[i])
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.ConvertData(page.Records[i], page.Data[i])
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Context, want.Context) {
			t.Errorf("record %d: context\n got %v\nwant %v", i, got.Context, want.Context)
		}
		if !bytes.Equal(got.DataEncoded, want.DataEncoded) {
			t.Errorf("record %d: data\n got %s\nwant %s", i, got.DataEncoded, want.DataEncoded)
		}
	}
}

func TestDecodeGetRecordsRefuses(t *testing.T) {
	for name, tt := range map[string]struct{ body, want string }{
		"not JSON":                   {`{"Records":[`, "decoding GetRecords"},
		"records not a list":         {`{"Records":{}}`, "decoding GetRecords"},
		"string where a number goes": {`{"Records":[{"eventID":"e-2","dynamodb":{"ApproximateCreationDateTime":"yesterday"}}]}`, "record e-2 (#0): at byte 71: a string, not a number"},
		"bad base64":                 {`{"Records":[{"eventID":"e-3","dynamodb":{"NewImage":{"b":{"B":"%%"}}}}]}`, "record e-3 (#0): at byte 66: B: illegal base64"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeGetRecords([]byte(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeGetRecords() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

var surrogateEscape = regexp.MustCompile(`(?i)\\ud[89a-f]`)

// Whatever answer both SDK v1 and DecodeGetRecords decode, they decode to
// the same data.
func FuzzDecodeGetRecordsMatchesSDKv1(f *testing.F) {
	for _, body := range decodeCases {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		// An escaped UTF-16 surrogate (\ud800-\udfff) is not a character:
		// DynamoDB strings are UTF-8, so the service never sends one, and
		// where encoding/json makes it U+FFFD the parser keeps the escape.
		if surrogateEscape.MatchString(body) {
			return
		}
		var v1out v1streams.GetRecordsOutput
		if err := jsonutil.UnmarshalJSON(&v1out, strings.NewReader(body)); err != nil {
			return
		}
		// Refusing an answer is allowed (the reader reports it and reads
		// again); accepting it with other data than SDK v1's is not.
		if p, err := DecodeGetRecords([]byte(body)); err != nil || p.Errs != nil {
			return // refused, or a record left out for an unknown type
		}
		checkAgainstSDKv1(t, []byte(body))
	})
}

// An attribute type this source does not know costs the record its data,
// not the page: the others are decoded, and the record is reported in Errs
// for the caller to skip, light record and all.
func TestDecodeGetRecordsReportsARecordWithAnUnknownType(t *testing.T) {
	page, err := DecodeGetRecords([]byte(`{"Records":[
		{"eventID":"e-1","dynamodb":{"NewImage":{"a":{"VEC":[1,{"x":2}]},"b":{"S":"kept"}},"SequenceNumber":"1"}},
		{"eventID":"e-2","dynamodb":{"NewImage":{"a":{"S":"fine"}},"SequenceNumber":"2"}}]}`))
	if err != nil {
		t.Fatalf("DecodeGetRecords: %v", err)
	}
	if len(page.Records) != 2 || len(page.Data) != 2 || len(page.Errs) != 2 {
		t.Fatalf("%d records, %d data, %d errors; want 2 each", len(page.Records), len(page.Data), len(page.Errs))
	}
	if page.Errs[0] == nil || !strings.Contains(page.Errs[0].Error(), `attribute value of unknown type "VEC"`) || page.Data[0] != nil {
		t.Errorf("record e-1: error %v, data %s; want the unknown type named and no data", page.Errs[0], page.Data[0])
	}
	if raw := rawOf(page.Errs[0]); !strings.HasPrefix(raw, `{"eventID":"e-1"`) || !strings.HasSuffix(raw, `"SequenceNumber":"1"}}`) {
		t.Errorf("record e-1: raw record %q, want the record's text", raw)
	}
	if str(page.Records[0].Dynamodb.SequenceNumber) != "1" || str(page.Records[0].EventID) != "e-1" {
		t.Errorf("record e-1's light record %+v lost its id or sequence number", page.Records[0])
	}
	if page.Errs[1] != nil || !strings.Contains(string(page.Data[1]), `"S":"fine"`) {
		t.Errorf("record e-2: error %v, data %s; want it decoded", page.Errs[1], page.Data[1])
	}
}

// A record without stream record ("dynamodb" absent or null; the service
// never sends one) has no sequence number and no key: it is refused, not
// the page, and not left with a nil Dynamodb that the reader would trip
// over. Its error keeps the record's text for a dead-letter sink, and its
// light record what could be read.
func TestDecodeGetRecordsRefusesARecordWithoutStreamRecord(t *testing.T) {
	absent := `{"eventID":"e-absent","eventName":"INSERT","awsRegion":"eu-west-1"}`
	null := `{"eventID":"e-null", "dynamodb" : null}`
	fine := `{"eventID":"e-fine","dynamodb":{"Keys":{"pk":{"S":"a"}},"SequenceNumber":"3"}}`
	body := []byte("{\"Records\":[ " + absent + ",\n" + null + "," + fine + "]}")
	page, err := DecodeGetRecords(body)
	if err != nil {
		t.Fatalf("DecodeGetRecords: %v", err)
	}
	if len(page.Records) != 3 || len(page.Data) != 3 || len(page.Errs) != 3 {
		t.Fatalf("%d records, %d data, %d errors; want 3 each", len(page.Records), len(page.Data), len(page.Errs))
	}
	for i, raw := range []string{absent, null} {
		rec, err := page.Records[i], page.Errs[i]
		if !errors.Is(err, ErrNoStreamRecord) || page.Data[i] != nil {
			t.Errorf("record %d: error %v, data %s; want ErrNoStreamRecord and no data", i, err, page.Data[i])
		}
		var re interface{ RawRecord() []byte }
		if !errors.As(err, &re) || string(re.RawRecord()) != raw {
			t.Errorf("record %d: raw record %q, want %q", i, rawOf(err), raw)
		}
		if rec.Dynamodb == nil || rec.Dynamodb.SequenceNumber != nil {
			t.Errorf("record %d: Dynamodb %+v, want an empty stream record", i, rec.Dynamodb)
		}
		if want := []string{"e-absent", "e-null"}[i]; str(rec.EventID) != want {
			t.Errorf("record %d: eventID %s, want %s", i, str(rec.EventID), want)
		}
	}
	if page.Errs[2] != nil || !strings.Contains(string(page.Data[2]), `"SequenceNumber":"3"`) {
		t.Errorf("record e-fine: error %v, data %s; want it decoded", page.Errs[2], page.Data[2])
	}
	// The raw record is a copy: the body is the reader's buffer, reused.
	clear(body)
	if got := rawOf(page.Errs[0]); got != absent {
		t.Errorf("raw record changed with the body: %q", got)
	}
}

func rawOf(err error) string {
	var re *RecordError
	if errors.As(err, &re) {
		return string(re.Raw)
	}
	return "<none>"
}
