package event

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

func mustConvert(t testing.TB, c *Converter, r types.Record) cloudevents.Event {
	t.Helper()
	e, err := c.ConvertData(r, testData(r))
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	if err := e.Validate(); err != nil {
		t.Fatalf("Convert produced an invalid CloudEvent: %v", err)
	}
	return e
}

func TestConvertAttributes(t *testing.T) {
	c := newTestConverter(t, nil)
	modify := testRecord(types.StreamViewTypeNewAndOldImages, types.OperationTypeModify)
	noTime := testRecord(types.StreamViewTypeKeysOnly, types.OperationTypeInsert)
	noTime.Dynamodb.ApproximateCreationDateTime = nil
	zeroTime := testRecord(types.StreamViewTypeKeysOnly, types.OperationTypeInsert)
	zeroTime.Dynamodb.ApproximateCreationDateTime = &time.Time{}
	noKeys := testRecord(types.StreamViewTypeKeysOnly, types.OperationTypeInsert)
	noKeys.Dynamodb.Keys = nil
	noStreamRecord := types.Record{EventID: ptr("id"), EventName: types.OperationTypeRemove}
	noEventName := testRecord(types.StreamViewTypeKeysOnly, types.OperationTypeInsert)
	noEventName.EventName = ""
	ttlDelete := testRecord(types.StreamViewTypeKeysOnly, types.OperationTypeRemove)
	ttlDelete.UserIdentity = &types.Identity{Type: ptr("Service"), PrincipalId: ptr("dynamodb.amazonaws.com")}
	userDelete := testRecord(types.StreamViewTypeKeysOnly, types.OperationTypeRemove)
	userDelete.UserIdentity = &types.Identity{Type: ptr("Service"), PrincipalId: ptr("someone.amazonaws.com")}

	for _, tc := range []struct {
		rule  string
		rec   types.Record
		check func(t *testing.T, e cloudevents.Event)
	}{
		{"specversion is 1.0", modify, func(t *testing.T, e cloudevents.Event) {
			if got := e.SpecVersion(); got != "1.0" {
				t.Errorf("specversion = %q", got)
			}
		}},
		{"type is TriggerMesh's stream record type", modify, func(t *testing.T, e cloudevents.Event) {
			// Spelled out: changing the constant must fail this test.
			if got := e.Type(); got != "com.amazon.dynamodb.stream_record" {
				t.Errorf("type = %q", got)
			}
		}},
		{"source is the configured table ARN verbatim", modify, func(t *testing.T, e cloudevents.Event) {
			if got := e.Source(); got != testARN {
				t.Errorf("source = %q, want %q", got, testARN)
			}
		}},
		{"id is the record's eventID", modify, func(t *testing.T, e cloudevents.Event) {
			if got := e.ID(); got != *modify.EventID {
				t.Errorf("id = %q, want %q", got, *modify.EventID)
			}
		}},
		{"time is ApproximateCreationDateTime", modify, func(t *testing.T, e cloudevents.Event) {
			if got := e.Time(); !got.Equal(testTime) {
				t.Errorf("time = %v, want %v", got, testTime)
			}
		}},
		{"time is unset without ApproximateCreationDateTime", noTime, func(t *testing.T, e cloudevents.Event) {
			if e.Context.GetTime() != (time.Time{}) {
				t.Errorf("time = %v, want unset", e.Time())
			}
		}},
		{"a zero ApproximateCreationDateTime leaves time unset", zeroTime, func(t *testing.T, e cloudevents.Event) {
			if e.Context.AsV1().Time != nil {
				t.Errorf("time = %v, want unset", e.Time())
			}
		}},
		{"dynamodboperation is the record's eventName", modify, func(t *testing.T, e cloudevents.Event) {
			if got := e.Extensions()["dynamodboperation"]; got != "MODIFY" {
				t.Errorf("dynamodboperation = %#v", got)
			}
		}},
		{"dynamodboperation is omitted, not invented, without eventName", noEventName, func(t *testing.T, e cloudevents.Event) {
			if got, ok := e.Extensions()["dynamodboperation"]; ok {
				t.Errorf("dynamodboperation = %#v, want absent", got)
			}
		}},
		{"datacontenttype is application/json", modify, func(t *testing.T, e cloudevents.Event) {
			if got := e.DataContentType(); got != "application/json" {
				t.Errorf("datacontenttype = %q", got)
			}
		}},
		{"data is JSON, not base64", modify, func(t *testing.T, e cloudevents.Event) {
			if e.DataBase64 {
				t.Error("DataBase64 is set")
			}
			if !bytes.Equal(e.Data(), testData(modify)) {
				t.Errorf("data = %.60s…", e.Data())
			}
		}},
		{"subject is the rendered key", modify, func(t *testing.T, e cloudevents.Event) {
			if got := e.Subject(); got != "pk=user#1,sk=2024" {
				t.Errorf("subject = %q", got)
			}
		}},
		{"subject is unset without keys", noKeys, func(t *testing.T, e cloudevents.Event) {
			if e.Context.AsV1().Subject != nil {
				t.Errorf("subject = %q, want unset", e.Subject())
			}
		}},
		{"a record without stream record still converts", noStreamRecord, func(t *testing.T, e cloudevents.Event) {
			if e.Subject() != "" || !e.Time().IsZero() || e.Extensions()["dynamodboperation"] != "REMOVE" {
				t.Errorf("event = %v", e)
			}
		}},
		{"no extension besides dynamodboperation and partitionkey without overrides", modify, func(t *testing.T, e cloudevents.Event) {
			if got := len(e.Extensions()); got != 2 {
				t.Errorf("extensions = %v", e.Extensions())
			}
		}},
		{"partitionkey is the subject, so one item's changes share a partition", modify, func(t *testing.T, e cloudevents.Event) {
			if got := e.Extensions()["partitionkey"]; got != e.Subject() || got == "" {
				t.Errorf("partitionkey = %v, subject %q", got, e.Subject())
			}
		}},
		{"no partitionkey without keys", noKeys, func(t *testing.T, e cloudevents.Event) {
			if got, ok := e.Extensions()["partitionkey"]; ok {
				t.Errorf("partitionkey = %v, want unset", got)
			}
		}},
		{"a TTL delete carries dynamodbttl=true", ttlDelete, func(t *testing.T, e cloudevents.Event) {
			if got := e.Extensions()["dynamodbttl"]; got != true {
				t.Errorf("dynamodbttl = %#v, want true", got)
			}
		}},
		{"a user's delete carries no dynamodbttl", userDelete, func(t *testing.T, e cloudevents.Event) {
			if got, ok := e.Extensions()["dynamodbttl"]; ok {
				t.Errorf("dynamodbttl = %#v, want unset", got)
			}
		}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			tc.check(t, mustConvert(t, c, tc.rec))
		})
	}
}

func TestConvertOverrides(t *testing.T) {
	r := testRecord(types.StreamViewTypeKeysOnly, types.OperationTypeInsert)
	for _, tc := range []struct {
		rule      string
		overrides map[string]string
		want      map[string]any
	}{
		{"overrides add extensions", map[string]string{"team": "billing", "env": "prod"},
			map[string]any{"dynamodboperation": "INSERT", "team": "billing", "env": "prod", "partitionkey": "pk=user#1,sk=2024"}},
		{"overrides are applied last and win over dynamodboperation", map[string]string{"dynamodboperation": "UPSERT"},
			map[string]any{"dynamodboperation": "UPSERT", "partitionkey": "pk=user#1,sk=2024"}},
		{"empty overrides change nothing", map[string]string{},
			map[string]any{"dynamodboperation": "INSERT", "partitionkey": "pk=user#1,sk=2024"}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			e := mustConvert(t, newTestConverter(t, tc.overrides), r)
			got := e.Extensions()
			if len(got) != len(tc.want) {
				t.Fatalf("extensions = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("extension %s = %#v, want %#v", k, got[k], v)
				}
			}
		})
	}
}

func TestValidateOverrides(t *testing.T) {
	for _, tc := range []struct {
		rule      string
		overrides map[string]string
		wantErr   []string // substrings; none means valid
	}{
		{"nil overrides are valid", nil, nil},
		{"lowercase alphanumeric names are valid", map[string]string{"team": "x", "env2": "", "a1b2": "sp ace"}, nil},
		{"dynamodboperation may be overridden", map[string]string{"dynamodboperation": "X"}, nil},
		{"upper case is rejected with a lowercase suggestion", map[string]string{"Team": "x"},
			[]string{`extension "Team"`, "lowercase letters a-z and digits 0-9", `e.g. "team"`}},
		{"punctuation is rejected with a cleaned suggestion", map[string]string{"my-ext_1": "x"},
			[]string{`extension "my-ext_1"`, `e.g. "myext1"`}},
		{"a name with nothing salvageable gets no suggestion", map[string]string{"--": "x"},
			[]string{`extension "--" is not a valid`}},
		{"an empty name is rejected", map[string]string{"": "x"}, []string{"empty name"}},
		{"core attributes can't be overridden", map[string]string{"source": "x"},
			[]string{`extension "source" is a CloudEvents core attribute`, "remove it"}},
		{"data is reserved", map[string]string{"data": "x"}, []string{`extension "data" is a CloudEvents core attribute`}},
		{"control characters in values are rejected", map[string]string{"team": "a\nb"},
			[]string{`value of extension "team"`, "U+000A", "HTTP"}},
		{"every problem is reported, sorted by name", map[string]string{"Zed": "x", "type": "x", "ok": "x"},
			[]string{`K_CE_OVERRIDES`, `"Zed" is not`, `; extension "type" is`}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			err := ValidateOverrides(tc.overrides)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("ValidateOverrides() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("ValidateOverrides() = nil, want an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			// The same check guards NewConverter, so a bad override can't
			// slip into events when a caller skipped validation.
			_, cerr := NewConverter(testARN, tc.overrides)
			if cerr == nil || cerr.Error() != err.Error() {
				t.Errorf("NewConverter error = %v, want %v", cerr, err)
			}
		})
	}
}

func TestConvertRefuses(t *testing.T) {
	good := func() types.Record { return testRecord(types.StreamViewTypeNewImage, types.OperationTypeInsert) }
	for _, tc := range []struct {
		rule    string
		rec     types.Record
		wantErr string
	}{
		{"a record without eventID, since the event needs an id", func() types.Record {
			r := good()
			r.EventID = nil
			return r
		}(), "no eventID"},
		{"a record with an empty eventID", func() types.Record {
			r := good()
			r.EventID = ptr("")
			return r
		}(), "no eventID"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			_, err := newTestConverter(t, nil).ConvertData(tc.rec, []byte(`{}`))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ConvertData error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// The source is checked once, by the constructor, not on every record.
func TestNewConverterRefuses(t *testing.T) {
	for _, tc := range []struct {
		rule    string
		source  string
		wantErr string
	}{
		{"a converter without source", "", "no Source"},
		{"a source that is no URI-reference", ":table/Users", "not a URI-reference"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if _, err := NewConverter(tc.source, nil); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("NewConverter error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// The converter keeps its own overrides: changing the caller's map after
// NewConverter checked it cannot put an unchecked extension into events.
func TestConverterKeepsTheOverridesItChecked(t *testing.T) {
	overrides := map[string]string{"team": "billing"}
	c := newTestConverter(t, overrides)
	overrides["type"] = "hijacked"
	e := mustConvert(t, c, testRecord(types.StreamViewTypeKeysOnly, types.OperationTypeInsert))
	if e.Type() != Type || e.Extensions()["team"] != "billing" || len(e.Extensions()) != 3 {
		t.Errorf("event type %q, extensions %v; want the overrides as checked", e.Type(), e.Extensions())
	}
}

// Events leave the process over HTTP, mostly in binary mode where every
// attribute is a header; the subject's escaping exists for that trip.
func TestEventSurvivesHTTPBinaryMode(t *testing.T) {
	r := testRecord(types.StreamViewTypeNewAndOldImages, types.OperationTypeModify)
	r.Dynamodb.Keys = keyMap{"pk": strAttr(" user\n#1 "), "sk": strAttr("a,b=c\u00a0")}
	c := newTestConverter(t, map[string]string{"team": "billing"})
	sent := mustConvert(t, c, r)

	received := make(chan cloudevents.Event, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		e, err := cehttp.NewEventFromHTTPRequest(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		received <- *e
	}))
	defer srv.Close()

	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cehttp.WriteRequest(context.Background(), binding.ToMessage(&sent), req); err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Ce-Subject") == "" {
		t.Fatal("not sent in binary mode")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("sending: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %s", resp.Status)
	}
	got := <-received

	if got.Subject() != sent.Subject() {
		t.Errorf("subject arrived as %q, sent %q", got.Subject(), sent.Subject())
	}
	wantKey := map[string]string{"pk": " user\n#1 ", "sk": "a,b=c\u00a0"}
	if key := parseSubject(t, got.Subject()); !maps.Equal(key, wantKey) {
		t.Errorf("received subject splits into %q, want %q", key, wantKey)
	}
	for _, attr := range []struct{ name, got, want string }{
		{"id", got.ID(), sent.ID()},
		{"source", got.Source(), sent.Source()},
		{"type", got.Type(), sent.Type()},
		{"time", got.Time().String(), sent.Time().String()},
		{"datacontenttype", got.DataContentType(), sent.DataContentType()},
		{"dynamodboperation", fmt.Sprint(got.Extensions()["dynamodboperation"]), "MODIFY"},
		{"team", fmt.Sprint(got.Extensions()["team"]), "billing"},
		{"data", string(got.Data()), string(sent.Data())},
	} {
		if attr.got != attr.want {
			t.Errorf("%s arrived as %q, sent %q", attr.name, attr.got, attr.want)
		}
	}
}

func TestConvertIsSafeForConcurrentUse(t *testing.T) {
	c := newTestConverter(t, map[string]string{"team": "x"})
	var records []types.Record
	var want [][]byte
	for _, view := range views {
		for _, op := range ops {
			r := testRecord(view, op)
			records = append(records, r)
			want = append(want, mustConvert(t, c, r).DataEncoded)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(records))
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range records {
				i := (i + g) % len(records)
				e, err := c.ConvertData(records[i], testData(records[i]))
				if err != nil {
					errs <- err.Error()
				} else if !bytes.Equal(e.DataEncoded, want[i]) {
					errs <- "data differs for " + *records[i].EventID
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
