package v1json

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	awsv2 "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go/private/protocol/json/jsonutil"
	v1ddb "github.com/aws/aws-sdk-go/service/dynamodb"
	"github.com/aws/aws-sdk-go/service/dynamodb/dynamodbattribute"
	v1streams "github.com/aws/aws-sdk-go/service/dynamodbstreams"
)

// These tests pin the data to what TriggerMesh produced: encoding/json of
// the AWS SDK for Go v1 dynamodbstreams.Record (event.SetData with
// application/json runs json.Marshal).

func convert(t testing.TB, r types.Record) []byte {
	t.Helper()
	e, err := convertRecord(testConverter(t, nil), r)
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	return e.DataEncoded
}

func v1JSON(t testing.TB, r types.Record) []byte {
	t.Helper()
	b, err := json.Marshal(toV1Record(r))
	if err != nil {
		t.Fatalf("json.Marshal(v1 record): %v", err)
	}
	return b
}

func TestDataIsByteIdenticalToSDKv1Marshal(t *testing.T) {
	type tc struct {
		name string
		rec  types.Record
	}
	var cases []tc
	for _, view := range streamViewTypes {
		for _, op := range operations {
			cases = append(cases, tc{string(view) + " " + string(op), testRecord(view, op)})
		}
	}
	withImage := func(img map[string]types.AttributeValue) types.Record {
		r := testRecord(types.StreamViewTypeNewImage, types.OperationTypeInsert)
		r.Dynamodb.NewImage = img
		return r
	}
	cases = append(cases,
		tc{"user identity of a TTL removal is written", ttlRecord()},
		tc{"absent record fields are null, not omitted", types.Record{EventID: ptr("only-id")}},
		tc{"absent stream record fields are null, not omitted", types.Record{
			EventID: ptr("x"), Dynamodb: &types.StreamRecord{},
		}},
		tc{"empty but present maps are {}", types.Record{
			EventID: ptr("x"), Dynamodb: &types.StreamRecord{Keys: map[string]types.AttributeValue{}, NewImage: map[string]types.AttributeValue{}},
		}},
		tc{"zero SizeBytes is 0, not null", types.Record{EventID: ptr("x"), Dynamodb: &types.StreamRecord{SizeBytes: ptr(int64(0))}}},
		tc{"empty strings are written, not null", types.Record{
			EventID: ptr("x"), AwsRegion: ptr(""), EventSource: ptr(""),
			UserIdentity: &types.Identity{PrincipalId: ptr(""), Type: ptr("")},
			Dynamodb:     &types.StreamRecord{SequenceNumber: ptr("")},
		}},
		tc{"empty values of each type are empty, not null", withImage(map[string]types.AttributeValue{
			"s": &types.AttributeValueMemberS{}, "b": &types.AttributeValueMemberB{Value: []byte{}},
			"ss": &types.AttributeValueMemberSS{Value: []string{}}, "ns": &types.AttributeValueMemberNS{Value: []string{}},
			"bs": &types.AttributeValueMemberBS{Value: [][]byte{{}}}, "l": &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
			"m":    &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
			"null": &types.AttributeValueMemberNULL{Value: true}, "f": &types.AttributeValueMemberBOOL{},
		})},
		tc{"nil values inside typed members are written as the empty value SDK v1 decodes", withImage(map[string]types.AttributeValue{
			"b": &types.AttributeValueMemberB{}, "ss": &types.AttributeValueMemberSS{}, "ns": &types.AttributeValueMemberNS{},
			"bs": &types.AttributeValueMemberBS{Value: [][]byte{nil}}, "l": &types.AttributeValueMemberL{}, "m": &types.AttributeValueMemberM{},
		})},
		tc{"nil list elements and map values are null", withImage(map[string]types.AttributeValue{
			"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{nil, (*types.AttributeValueMemberS)(nil)}},
			"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"x": nil}},
		})},
		tc{"strings are escaped like json.Marshal, HTML-safe", withImage(map[string]types.AttributeValue{
			"html":    &types.AttributeValueMemberS{Value: `<script>alert("x")&</script>`},
			"control": &types.AttributeValueMemberS{Value: "\x00\x01\b\f\n\r\t\x1f\x7f\\/"},
			"invalid": &types.AttributeValueMemberS{Value: "a\xffb\xc3(c\xed\xa0\x80"},
			"seps":    &types.AttributeValueMemberS{Value: "line\u2028para\u2029end"},
			"unicode": &types.AttributeValueMemberS{Value: "日本語 ☃ 😀"},
		})},
		tc{"attribute names are escaped and sorted by bytes", withImage(map[string]types.AttributeValue{
			"<&>": &types.AttributeValueMemberN{Value: "1"}, "Z": &types.AttributeValueMemberN{Value: "2"},
			"a": &types.AttributeValueMemberN{Value: "3"}, "é": &types.AttributeValueMemberN{Value: "4"},
			"\"q\"": &types.AttributeValueMemberN{Value: "5"}, "": &types.AttributeValueMemberN{Value: "6"},
		})},
		tc{"deeply nested maps keep their own key order", withImage(map[string]types.AttributeValue{
			"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"z": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"b": &types.AttributeValueMemberN{Value: "1"}, "a": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
						"y": &types.AttributeValueMemberN{Value: "2"}, "x": &types.AttributeValueMemberN{Value: "3"},
					}},
				}},
				"a": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"d": &types.AttributeValueMemberN{Value: "4"}, "c": &types.AttributeValueMemberN{Value: "5"},
				}}}},
			}},
		})},
		tc{"a map filling the stack sort exactly is sorted", withImage(bigMap(16))},
		tc{"maps too large for the stack sort are sorted too", withImage(bigMap(17))},
		tc{"many attributes in nested maps are sorted", withImage(map[string]types.AttributeValue{
			"m": &types.AttributeValueMemberM{Value: bigMap(40)},
		})},
		tc{"time without fraction has no fraction", func() types.Record {
			r := testRecord(types.StreamViewTypeKeysOnly, types.OperationTypeInsert)
			r.Dynamodb.ApproximateCreationDateTime = ptr(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
			return r
		}()},
		tc{"unknown enum values are passed through", types.Record{
			EventID: ptr("x"), EventName: "UPSERT", Dynamodb: &types.StreamRecord{StreamViewType: "FUTURE_VIEW"},
		}},
	)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, want := convert(t, c.rec), v1JSON(t, c.rec)
			if !bytes.Equal(got, want) {
				t.Errorf("data differs from SDK v1 encoding/json\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// bigMap has n attributes whose names arrive in no particular order.
func bigMap(n int) map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{}
	for i := range n {
		m[strconv.Itoa(i*7919%1000)] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			strconv.Itoa(i): &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
		}}
	}
	return m
}

// The one deliberate difference: a hand-built record with a non-UTC time.
// Records from either SDK are always UTC, so real streams never hit it.
func TestDataTimeIsWrittenInUTCWhateverTheRecordLocation(t *testing.T) {
	r := testRecord(types.StreamViewTypeKeysOnly, types.OperationTypeInsert)
	local := testTime.In(time.FixedZone("CET", 3600))
	r.Dynamodb.ApproximateCreationDateTime = &local

	var got struct {
		Dynamodb struct{ ApproximateCreationDateTime string }
	}
	if err := json.Unmarshal(convert(t, r), &got); err != nil {
		t.Fatal(err)
	}
	if want := "2024-03-01T12:30:45.123Z"; got.Dynamodb.ApproximateCreationDateTime != want {
		t.Errorf("ApproximateCreationDateTime = %q, want %q", got.Dynamodb.ApproximateCreationDateTime, want)
	}
	v1 := string(v1JSON(t, r))
	if !strings.Contains(v1, `"2024-03-01T13:30:45.123+01:00"`) {
		t.Errorf("SDK v1 no longer writes the record's own offset, update the doc: %s", v1)
	}
}

// testItem is an item as an application writes it with the v1 SDK; every
// DynamoDB attribute type appears, nested ones included.
type testItem struct {
	PK       string            `dynamodbav:"pk"`
	SK       int               `dynamodbav:"sk"`
	Name     string            `dynamodbav:"name"`
	Age      int               `dynamodbav:"age"`
	Ratio    float64           `dynamodbav:"ratio"`
	Avatar   []byte            `dynamodbav:"avatar"`
	Tags     []string          `dynamodbav:"tags,stringset"`
	Scores   []int             `dynamodbav:"scores,numberset"`
	Blobs    [][]byte          `dynamodbav:"blobs,binaryset"`
	Address  testAddress       `dynamodbav:"address"`
	History  []any             `dynamodbav:"history"`
	Labels   map[string]string `dynamodbav:"labels"`
	Anything map[string]any    `dynamodbav:"anything"`
	Deleted  *string           `dynamodbav:"deleted"`
	Active   bool              `dynamodbav:"active"`
	Inactive bool              `dynamodbav:"inactive"`
}

type testAddress struct {
	Street string
	Zip    int
	Geo    []float64
}

func TestDataImagesDecodeWithSDKv1UnmarshalMapToTheWrittenItem(t *testing.T) {
	newItem := testItem{
		PK: "user#1", SK: 2024, Name: `Zoë "Z" <zoe@example.com> & co` + "\n\u2028", Age: 42, Ratio: -0.125,
		Avatar: []byte{0x89, 'P', 'N', 'G', 0, 0xff},
		Tags:   []string{"admin", "beta"}, Scores: []int{7, -3, 1000000}, Blobs: [][]byte{{1, 2}, {0xff}},
		Address: testAddress{Street: "1 Main St", Zip: 10115, Geo: []float64{52.52, 13.405}},
		History: []any{"signup", 3.0, true, nil, []any{"nested", map[string]any{"deep": []byte{9}}}},
		Labels:  map[string]string{"b": "2", "a": "1", "=,\\": "esc"},
		Anything: map[string]any{
			"n": 1.5, "s": "x", "bool": false, "null": nil, "l": []any{"y"}, "m": map[string]any{"k": "v"},
		},
		Deleted: nil, Active: true, Inactive: false,
	}
	oldItem := newItem
	oldItem.Age = 41
	oldItem.Deleted = ptr("yesterday")

	newAV, err := dynamodbattribute.MarshalMap(newItem)
	if err != nil {
		t.Fatal(err)
	}
	oldAV, err := dynamodbattribute.MarshalMap(oldItem)
	if err != nil {
		t.Fatal(err)
	}
	// Empty lists, maps and binaries are valid DynamoDB values that the v1
	// marshaller only writes with options; put them in the item directly.
	newAV["emptyL"] = &v1ddb.AttributeValue{L: []*v1ddb.AttributeValue{}}
	newAV["emptyM"] = &v1ddb.AttributeValue{M: map[string]*v1ddb.AttributeValue{}}
	newAV["emptyB"] = &v1ddb.AttributeValue{B: []byte{}}
	newAV["emptyS"] = &v1ddb.AttributeValue{S: new(string)}

	r := testRecord(types.StreamViewTypeNewAndOldImages, types.OperationTypeModify)
	r.Dynamodb.NewImage = fromV1Map(newAV)
	r.Dynamodb.OldImage = fromV1Map(oldAV)

	e, err := convertRecord(testConverter(t, nil), r)
	if err != nil {
		t.Fatal(err)
	}
	// As TriggerMesh's end-to-end test reads it.
	var rec v1streams.Record
	if err := e.DataAs(&rec); err != nil {
		t.Fatalf("DataAs(v1 Record): %v", err)
	}

	// The attribute values themselves come back as written...
	if !reflect.DeepEqual(rec.Dynamodb.NewImage, newAV) {
		t.Errorf("NewImage attribute values differ from those written:\n got %v\nwant %v", rec.Dynamodb.NewImage, newAV)
	}
	if !reflect.DeepEqual(rec.Dynamodb.OldImage, oldAV) {
		t.Errorf("OldImage attribute values differ from those written:\n got %v\nwant %v", rec.Dynamodb.OldImage, oldAV)
	}
	// ...and so does the Go item a consumer unmarshals them into.
	for _, img := range []struct {
		name string
		av   map[string]*v1ddb.AttributeValue
		want testItem
	}{
		{"NewImage", rec.Dynamodb.NewImage, newItem},
		{"OldImage", rec.Dynamodb.OldImage, oldItem},
	} {
		// Pre-filled so that a lost NULL or false BOOL would show.
		got := testItem{Deleted: ptr("stale"), Inactive: true}
		if err := dynamodbattribute.UnmarshalMap(img.av, &got); err != nil {
			t.Fatalf("UnmarshalMap(%s): %v", img.name, err)
		}
		if !reflect.DeepEqual(got, img.want) {
			t.Errorf("%s decoded to\n%#v\nwant\n%#v", img.name, got, img.want)
		}
	}

	var key struct {
		PK string `dynamodbav:"pk"`
		SK int    `dynamodbav:"sk"`
	}
	if err := dynamodbattribute.UnmarshalMap(rec.Dynamodb.Keys, &key); err != nil {
		t.Fatal(err)
	}
	if key.PK != "user#1" || key.SK != 2024 {
		t.Errorf("Keys decoded to %+v", key)
	}
}

// getRecordsResponse is a GetRecords response body as DynamoDB Streams sends
// it, covering every attribute type, empty values, a TTL removal and a
// millisecond timestamp.
const getRecordsResponse = `{"NextShardIterator":"next","Records":[
{"awsRegion":"eu-west-1","dynamodb":{"ApproximateCreationDateTime":1.709296245E9,
 "Keys":{"pk":{"S":"user#1"},"sk":{"N":"2024"}},
 "NewImage":{"pk":{"S":"user#1"},"sk":{"N":"2024"},"name":{"S":"Zoë <z> & \"co\"\n\u2028"},
  "age":{"N":"42"},"pic":{"B":"iVBORw0KGgo="},"emptyB":{"B":""},"emptyS":{"S":""},
  "tags":{"SS":["a","b"]},"nums":{"NS":["1","2.5","-3E+10"]},"blobs":{"BS":["AQI=","/w=="]},
  "m":{"M":{"z":{"N":"1"},"a":{"M":{"deep":{"L":[{"S":"x"},{"NULL":true},{"BOOL":false}]}}}}},
  "emptyM":{"M":{}},"emptyL":{"L":[]},"gone":{"NULL":true},"on":{"BOOL":true}},
 "OldImage":{"pk":{"S":"user#1"},"sk":{"N":"2024"},"age":{"N":"41"}},
 "SequenceNumber":"111100000000012345678901","SizeBytes":321,"StreamViewType":"NEW_AND_OLD_IMAGES"},
 "eventID":"c0ffee01","eventName":"MODIFY","eventSource":"aws:dynamodb","eventVersion":"1.1"},
{"awsRegion":"eu-west-1","dynamodb":{"ApproximateCreationDateTime":1709296245.123,
 "Keys":{"pk":{"S":"user#2"}},"SequenceNumber":"111100000000012345678902","SizeBytes":20,"StreamViewType":"KEYS_ONLY"},
 "eventID":"c0ffee02","eventName":"REMOVE","eventSource":"aws:dynamodb","eventVersion":"1.1",
 "userIdentity":{"principalId":"dynamodb.amazonaws.com","type":"Service"}},
{"awsRegion":"eu-west-1","dynamodb":{"ApproximateCreationDateTime":1709296246,
 "Keys":{"pk":{"S":"user#3"}},"NewImage":{"pk":{"S":"user#3"}},"SequenceNumber":"111100000000012345678903","SizeBytes":12,"StreamViewType":"NEW_IMAGE"},
 "eventID":"c0ffee03","eventName":"INSERT","eventSource":"aws:dynamodb","eventVersion":"1.1"}
]}`

// The strongest form of the contract: both SDKs decode the same GetRecords
// response — SDK v2 through its real client over loopback HTTP, SDK v1
// through the JSON decoder of its protocol stack — and our data must equal
// what TriggerMesh marshalled from the v1 record.
func TestDataEqualsTriggerMeshOutputForTheSameGetRecordsResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if target := r.Header.Get("X-Amz-Target"); target != "DynamoDBStreams_20120810.GetRecords" {
			http.Error(w, "unexpected target "+target, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(getRecordsResponse))
	}))
	defer srv.Close()

	client := dynamodbstreams.New(dynamodbstreams.Options{
		Region:           "eu-west-1",
		BaseEndpoint:     awsv2.String(srv.URL),
		Credentials:      awsv2.AnonymousCredentials{},
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
	})
	out, err := client.GetRecords(context.Background(), &dynamodbstreams.GetRecordsInput{ShardIterator: awsv2.String("it")})
	if err != nil {
		t.Fatalf("v2 GetRecords: %v", err)
	}

	var v1out v1streams.GetRecordsOutput
	if err := jsonutil.UnmarshalJSON(&v1out, strings.NewReader(getRecordsResponse)); err != nil {
		t.Fatalf("v1 decode: %v", err)
	}

	if len(out.Records) != 3 || len(v1out.Records) != 3 {
		t.Fatalf("decoded %d (v2) and %d (v1) records, want 3", len(out.Records), len(v1out.Records))
	}
	for i, r := range out.Records {
		got := convert(t, r)
		want, err := json.Marshal(v1out.Records[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("record %d: data differs from TriggerMesh's\n got: %s\nwant: %s", i, got, want)
		}
	}
}

// appendString must agree with json.Marshal on every input, or the data
// stops being byte-identical for some item.
func FuzzAppendStringMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{
		"", "plain", `"quoted" \back\`, "<>&", "\x00\x1f\x7f\b\f\n\r\t", "é日😀", "\u2028\u2029",
		"\xff", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\xe2\x80", "\xe2\x80\xa8x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// The oracle refuses what SDK v1 would have written wrongly or not at all.
func TestOracleRefuses(t *testing.T) {
	for rule, tc := range map[string]struct {
		change  func(sr *types.StreamRecord)
		wantErr string
	}{
		"an attribute type unknown to the SDK rather than emitting all nulls": {func(sr *types.StreamRecord) {
			sr.NewImage["future"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"x": &types.UnknownUnionMember{Tag: "VECTOR"},
			}}
		}, `NewImage: "future": "x": attribute value of unknown type "VECTOR"`},
		"a time outside RFC 3339's years, as encoding/json does": {func(sr *types.StreamRecord) {
			sr.ApproximateCreationDateTime = ptr(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
		}, "year outside of range"},
	} {
		t.Run(rule, func(t *testing.T) {
			r := testRecord(types.StreamViewTypeNewImage, types.OperationTypeInsert)
			tc.change(r.Dynamodb)
			if _, err := convertRecord(testConverter(t, nil), r); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Convert error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// The encoder buffer is pooled; an event's data must not change when the
// buffer is reused for the next record.
func TestDataIsNotSharedWithTheEncoderPool(t *testing.T) {
	c := testConverter(t, nil)
	first, err := convertRecord(c, testRecord(types.StreamViewTypeNewAndOldImages, types.OperationTypeModify))
	if err != nil {
		t.Fatal(err)
	}
	snapshot := bytes.Clone(first.DataEncoded)
	for range 10 {
		if _, err := convertRecord(c, ttlRecord()); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(first.DataEncoded, snapshot) {
		t.Error("data of an earlier event changed after later conversions")
	}
}
