//lint:file-ignore SA1019 TriggerMesh's adapter used aws-sdk-go v1: this test holds the decoder to what v1 reads, so it imports v1 on purpose (the binary does not).

package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go/private/protocol/json/jsonutil"
	v1streams "github.com/aws/aws-sdk-go/service/dynamodbstreams"
	"github.com/aws/smithy-go"

	"github.com/dynamodb-source/dynamodb-source/internal/event"
	"github.com/dynamodb-source/dynamodb-source/internal/event/v1json"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// The Decoder is the SDK's protocol for nothing but a successful GetRecords
// body: read twice with one iterator from a real DynamoDB Local stream, the
// SDK's records with SDK v1's data for the same answer (TriggerMesh's) and
// the decoded ones with theirs make the same events, and the light records
// carry what reading needs.
func TestDecoderReadsWhatTheSDKReads(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts DynamoDB Local")
	}
	ctx := context.Background()
	db := ddblocal.Start(t)
	tableARN, streamARN := db.CreateTable(ctx, t, "decoded", ddbtypes.StreamViewTypeNewAndOldImages)
	ddb := db.DynamoDB()
	item := map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: "user#1 <&> \"ü\""}, "sk": &ddbtypes.AttributeValueMemberS{Value: "a"},
		"n": &ddbtypes.AttributeValueMemberN{Value: "-12.5e3"}, "b": &ddbtypes.AttributeValueMemberB{Value: []byte{0, 1, 255}},
		"ok": &ddbtypes.AttributeValueMemberBOOL{Value: true}, "none": &ddbtypes.AttributeValueMemberNULL{Value: true},
		"ss": &ddbtypes.AttributeValueMemberSS{Value: []string{"x", "y"}}, "ns": &ddbtypes.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"bs": &ddbtypes.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"l": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{
			&ddbtypes.AttributeValueMemberS{Value: "in list"},
			&ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{"z": &ddbtypes.AttributeValueMemberN{Value: "1"}}},
		}},
		"m": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{
			"b": &ddbtypes.AttributeValueMemberS{Value: "\u2028 line"}, "a": &ddbtypes.AttributeValueMemberL{Value: nil},
		}},
	}
	if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("decoded"), Item: item}); err != nil {
		t.Fatal(err)
	}
	item["n"] = &ddbtypes.AttributeValueMemberN{Value: "7"}
	if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("decoded"), Item: item}); err != nil {
		t.Fatal(err)
	}
	if _, err := ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("decoded"),
		Key: map[string]ddbtypes.AttributeValue{"pk": item["pk"], "sk": item["sk"]}}); err != nil {
		t.Fatal(err)
	}

	streams := db.Streams()
	desc, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN)})
	if err != nil {
		t.Fatal(err)
	}
	it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(streamARN),
		ShardId: desc.StreamDescription.Shards[0].ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	in := &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator}
	sdk, err := streams.GetRecords(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var (
		extra Page
		raw   []byte // the last answer, for SDK v1 to decode too
	)
	dec := Decoder(func(body []byte) (*string, Page, error) {
		raw = bytes.Clone(body)
		p, err := v1json.DecodeGetRecords(body)
		return p.NextShardIterator, Page{Records: p.Records, Data: p.Data, Errs: p.Errs}, err
	})
	var body []byte // the shard reader's buffer, kept from call to call
	decoded, err := streams.GetRecords(ctx, in, dec.into(&extra, &body, new(int)))
	data := extra.Data
	if err != nil {
		t.Fatal(err)
	}
	// The buffer is read into again by the next call: nothing decoded may
	// point into it.
	var again Page
	if _, err := streams.GetRecords(ctx, in, dec.into(&again, &body, new(int))); err != nil || len(again.Data) != 3 {
		t.Fatalf("reading the page again into the same buffer: %d records, %v", len(again.Data), err)
	}

	if len(sdk.Records) != 3 || len(decoded.Records) != 3 || len(data) != 3 {
		t.Fatalf("SDK read %d records; the decoder %d records and %d data; want 3", len(sdk.Records), len(decoded.Records), len(data))
	}
	// DynamoDB Local hands out a new iterator token per call.
	if decoded.NextShardIterator == nil || sdk.NextShardIterator == nil {
		t.Errorf("next iterator %v, SDK's %v; want both", decoded.NextShardIterator, sdk.NextShardIterator)
	}
	var v1out v1streams.GetRecordsOutput
	if err := jsonutil.UnmarshalJSON(&v1out, bytes.NewReader(raw)); err != nil || len(v1out.Records) != 3 {
		t.Fatalf("SDK v1 decoded %d records: %v", len(v1out.Records), err)
	}
	conv, err := event.NewConverter(tableARN, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range sdk.Records {
		got := decoded.Records[i]
		v1data, err := json.Marshal(v1out.Records[i])
		if err != nil {
			t.Fatal(err)
		}
		wantEv, err := conv.ConvertData(want, v1data)
		if err != nil {
			t.Fatal(err)
		}
		gotEv, err := conv.ConvertData(got, data[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gotEv.DataEncoded, wantEv.DataEncoded) || !reflect.DeepEqual(gotEv.Context, wantEv.Context) {
			t.Errorf("record %d: event\n got %v %s\nwant %v %s", i, gotEv.Context, gotEv.DataEncoded, wantEv.Context, wantEv.DataEncoded)
		}
		if !reflect.DeepEqual(got.Dynamodb.SequenceNumber, want.Dynamodb.SequenceNumber) ||
			!reflect.DeepEqual(got.Dynamodb.ApproximateCreationDateTime, want.Dynamodb.ApproximateCreationDateTime) ||
			got.EventName != want.EventName || !reflect.DeepEqual(got.Dynamodb.Keys, want.Dynamodb.Keys) {
			t.Errorf("record %d: light record %+v, SDK's %+v", i, *got.Dynamodb, *want.Dynamodb)
		}
	}

	// An error answer is still the SDK's to decode.
	_, err = streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String("not-an-iterator")}, dec.into(&extra, &body, new(int)))
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Errorf("GetRecords with a bad iterator = %v, want the service's error decoded by the SDK", err)
	}
}

// readBody reads whole answers into the shard's buffer (one allocation,
// rounded to the allocator's page size, when the length is known) without
// the doubling that bytes.Buffer.ReadFrom does on a buffer grown to the exact
// length, and reuses the buffer's room from call to call.
func TestReadBody(t *testing.T) {
	page := bytes.Repeat([]byte("0123456789abcdef"), 80_000) // 1.28 MB, a DynamoDB Local page
	errRead := errors.New("connection reset")
	for _, tc := range []struct {
		name    string
		buf     []byte
		body    io.Reader
		length  int64
		want    []byte
		maxCap  int // 0: no bound
		wantErr error
	}{
		{name: "a known length is read into one allocation of that size",
			body: bytes.NewReader(page), length: int64(len(page)), want: page, maxCap: len(page) + 16<<10},
		{name: "a kept buffer large enough is reused as it is",
			buf: make([]byte, 0, 2<<20), body: bytes.NewReader(page), length: int64(len(page)), want: page, maxCap: 2 << 20},
		{name: "an unknown length grows as it is read",
			body: iotest.HalfReader(bytes.NewReader(page)), length: -1, want: page},
		{name: "a claimed length larger than any page is not allocated up front",
			body: strings.NewReader("{}"), length: 1 << 40, want: []byte("{}"), maxCap: maxKeptBody + 16<<10},
		{name: "an empty body is empty",
			body: strings.NewReader(""), length: 0, want: []byte{}},
		{name: "an answer over the cap is an error that says so, not memory exhaustion",
			body: io.LimitReader(zeros{}, maxBody+1), length: -1, wantErr: errBodyTooLarge, maxCap: maxBody + maxBody/4},
		{name: "an answer of exactly the cap is read",
			body: io.LimitReader(zeros{}, maxBody), length: -1, want: make([]byte, maxBody)},
		{name: "a claimed length over the cap is no reason to read beyond it",
			body: io.LimitReader(zeros{}, 2*maxBody), length: 2 * maxBody, wantErr: errBodyTooLarge, maxCap: maxBody + maxBody/4},
		{name: "a read error is returned",
			body: io.MultiReader(bytes.NewReader(page[:100]), iotest.ErrReader(errRead)), length: int64(len(page)), wantErr: errRead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readBody(tc.buf, tc.body, tc.length)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if tc.maxCap > 0 && cap(got) > tc.maxCap {
				t.Errorf("buffer of %d bytes, want at most %d", cap(got), tc.maxCap)
			}
			if tc.wantErr != nil {
				return
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("read %d bytes, want %d", len(got), len(tc.want))
			}
			if tc.maxCap > 0 && cap(got) > tc.maxCap {
				t.Errorf("buffer of %d bytes for a %d-byte body, want at most %d", cap(got), len(got), tc.maxCap)
			}
			if tc.buf != nil && cap(tc.buf) >= len(tc.want) && &got[:1][0] != &tc.buf[:1][0] {
				t.Errorf("a buffer with room enough was not reused")
			}
		})
	}
}

// zeros is an endless body.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
