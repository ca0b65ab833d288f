package delivery

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"testing/iotest"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// encodingCases are events whose binary and batched encodings must match the
// SDK's byte for byte: the shapes the converter builds, and the optional
// attributes it never sets.
func encodingCases(t testing.TB) map[string]cloudevents.Event {
	t.Helper()
	full := testEvent(t, "e-1")
	full.SetExtension("team", "data")
	full.SetExtension("count", 7)
	full.SetExtension("flag", true)
	full.SetExtension("when", time.Date(2024, 5, 1, 0, 0, 0, 1, time.FixedZone("x", 3600)))
	full.SetDataSchema("https://example.com/schema.json")

	bare := cloudevents.NewEvent()
	bare.SetID("e-2")
	bare.SetType("t")
	bare.SetSource("/s")

	local := testEvent(t, "e-3")
	local.SetTime(time.Date(2024, 5, 1, 14, 30, 45, 123456789, time.FixedZone("CEST", 7200)))

	text := testEvent(t, "e-4")
	if err := text.SetData("text/plain", []byte("plain \"text\"\n")); err != nil {
		t.Fatal(err)
	}

	v03 := testEvent(t, "e-5")
	v03.SetSpecVersion(cloudevents.VersionV03)

	return map[string]cloudevents.Event{
		"as the converter builds it":           testEvent(t, "e-0"),
		"every optional attribute":             full,
		"only the required attributes":         bare,
		"time in another zone is sent as UTC":  local,
		"non-JSON data":                        text,
		"CloudEvents 0.3 goes through the SDK": v03,
	}
}

func TestWriteBinaryMatchesTheSDK(t *testing.T) {
	for name, e := range encodingCases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			want := &http.Request{Header: http.Header{}}
			if err := cehttp.WriteRequest(ctx, binding.ToMessage(&e), want); err != nil {
				t.Fatal(err)
			}
			var got outgoing
			if err := writeBinary(ctx, &got, &e); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.header, want.Header) {
				t.Errorf("headers\n got %v\nwant %v", got.header, want.Header)
			}
			if w := readBody(t, want); !bytes.Equal(got.body, w) || int64(len(w)) != want.ContentLength {
				t.Errorf("body %q, want %q (content length %d)", got.body, w, want.ContentLength)
			}
		})
	}
}

func readBody(t *testing.T, r *http.Request) []byte {
	t.Helper()
	if r.Body == nil {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBatchBodyIsAnArrayOfTheSDKsStructuredEvents(t *testing.T) {
	cases := encodingCases(t)
	var events []cloudevents.Event
	var want []json.RawMessage
	for _, name := range []string{"as the converter builds it", "every optional attribute", "only the required attributes", "non-JSON data"} {
		e := cases[name]
		events = append(events, e)
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b)
	}
	_, _, arr := wholeBatch(t, events)
	for i := range arr {
		if !bytes.Equal(arr[i], want[i]) {
			t.Errorf("event %d\n got %s\nwant %s", i, arr[i], want[i])
		}
		// And the SDK reads it back as the same event.
		var back cloudevents.Event
		if err := json.Unmarshal(arr[i], &back); err != nil {
			t.Errorf("event %d does not decode: %v", i, err)
		} else if back.ID() != events[i].ID() || !bytes.Equal(back.Data(), events[i].Data()) {
			t.Errorf("event %d decoded as %s", i, back)
		}
	}
}

// BenchmarkWriteBinary compares the direct header writer with the SDK's
// generic one, per event.
func BenchmarkWriteBinary(b *testing.B) {
	e := testEvent(b, "e-1")
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out outgoing
			if err := writeBinary(ctx, &out, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := &http.Request{Header: http.Header{}}
			if err := cehttp.WriteRequest(ctx, binding.ToMessage(&e), req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// appendStructured writes what the SDK's event.WriteJson writes, for every
// event it takes on.
func TestAppendStructuredMatchesTheSDK(t *testing.T) {
	took := 0
	cases := encodingCases(t)
	for name, e := range encodingCases(t) {
		// SetData marks []byte data as binary; the converter sets
		// DataEncoded itself and leaves DataBase64 false.
		e.DataBase64 = false
		cases[name+", data set as the converter sets it"] = e
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			if err := event.WriteJson(&e, &want); err != nil {
				t.Fatal(err)
			}
			got, ok := appendStructured(nil, &e)
			if !ok {
				return // the SDK writes it
			}
			took++
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("\n got %s\nwant %s", got, want.Bytes())
			}
		})
	}
	if took < 3 {
		t.Errorf("appendStructured took %d of the cases, want the converter's shapes at least", took)
	}
}

func FuzzAppendStructuredMatchesTheSDK(f *testing.F) {
	f.Add("e-1", "pk=user#1", "INSERT", `{"a":1}`, true)
	f.Add("\x00\"\\\n\r\t\x7f<>&é\xff", "\u2028", "v\x1f", "plain \"text\"", false)
	f.Fuzz(func(t *testing.T, id, subject, ext, data string, jsonData bool) {
		e := cloudevents.NewEvent()
		e.SetID(id)
		e.SetType("t")
		e.SetSource("/s")
		e.SetSubject(subject)
		e.SetExtension("op", ext)
		e.DataEncoded = []byte(data)
		if jsonData {
			e.SetDataContentType("application/json")
		} else {
			e.SetDataContentType("Text/Plain; charset=utf-8")
		}
		var want bytes.Buffer
		if err := event.WriteJson(&e, &want); err != nil {
			return
		}
		got, ok := appendStructured(nil, &e)
		if !ok {
			t.Fatal("appendStructured refused a 1.0 event with a string extension")
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("\n got %q\nwant %q", got, want.Bytes())
		}
	})
}

// A streamed batch is exactly as long as measured (it goes out with that
// Content-Length), reads the same however small the reads, and reads again
// from its start for a request sent again.
func TestBatchBodyStreamsWhatItMeasured(t *testing.T) {
	cases := encodingCases(t)
	var all []cloudevents.Event
	for _, e := range cases {
		all = append(all, e)
	}
	for _, tc := range []struct {
		name   string
		events []cloudevents.Event
	}{
		{"one event", all[:1]},
		{"every event shape", all},
		{"a hundred events", slices.Repeat(all, 100/len(all)+1)[:100]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, whole, _ := wholeBatch(t, tc.events)
			for name, r := range map[string]io.Reader{
				"one byte at a time": iotest.OneByteReader(body.reader()),
				"in 4 KB reads":      bufio.NewReaderSize(body.reader(), 4096),
				"read again":         body.reader(),
			} {
				got, err := io.ReadAll(r)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if len(got) != body.size || !bytes.Equal(got, whole) {
					t.Errorf("%s: read %d bytes, measured %d; same as the whole body: %v", name, len(got), body.size, bytes.Equal(got, whole))
				}
			}
			if err := iotest.TestReader(body.reader(), whole); err != nil {
				t.Error(err)
			}
		})
	}
}

// wholeBatch measures a batch of events and renders it whole, failing the
// test unless it is a JSON array of as many events.
func wholeBatch(t *testing.T, events []cloudevents.Event) (*batchBody, []byte, []json.RawMessage) {
	t.Helper()
	body, err := newBatchBody(events)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := body.bytes()
	if err != nil {
		t.Fatal(err)
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(whole, &arr); err != nil || len(arr) != len(events) {
		t.Fatalf("the batch is not a JSON array of %d events (%d, %v):\n%s", len(events), len(arr), err, whole)
	}
	return body, whole, arr
}
