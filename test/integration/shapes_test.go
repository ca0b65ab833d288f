package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/plainitem"
)

// richItem has every attribute type: a 38-digit number, sets, nested maps
// and lists, binary.
func richItem(version string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": s("rich"), "sk": s("0"),
		"version": n(version),
		"big":     n("12345678901234567890123456789012345678"),
		"tiny":    n("-0.00000000000000000000000000000000000001"),
		"name":    s(`Zoë <&> "q"`),
		"bin":     &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 255}},
		"ok":      &types.AttributeValueMemberBOOL{Value: true},
		"nothing": &types.AttributeValueMemberNULL{Value: true},
		"tags":    &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"nums":    &types.AttributeValueMemberNS{Value: []string{"1", "2.5", "99999999999999999999999999999999999999"}},
		"blobs":   &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"list": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x"), n("1"),
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"deep": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberBOOL{Value: false}}}}}}},
		"map": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": s("b"), "n": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}}},
	}
}

// shapeRun writes an INSERT, a MODIFY and a REMOVE of richItem to a new
// table of view type, runs the binary with format and returns the three
// events, the item as read back after each write (nil once deleted) and
// the stream's ARN.
func shapeRun(t *testing.T, db *ddblocal.Server, view types.StreamViewType, format string) ([]cloudevents.Event, []map[string]types.AttributeValue, string) {
	t.Helper()
	ctx := context.Background()
	table := "shape-" + format + "-" + string(view)
	tableARN, streamARN := db.CreateTable(ctx, t, table, view)
	c := db.DynamoDB()
	key := map[string]types.AttributeValue{"pk": s("rich"), "sk": s("0")}
	readBack := func() map[string]types.AttributeValue {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item
	}
	var items []map[string]types.AttributeValue
	for _, v := range []string{"1", "2"} {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: richItem(v)}); err != nil {
			t.Fatal(err)
		}
		items = append(items, readBack())
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key}); err != nil {
		t.Fatal(err)
	}
	items = append(items, nil)
	sink := cesink.Start(t)
	p := start(t, cleanEnv(t.TempDir()), seedArgs(db, tableARN, sink.URL, "--startingPosition", "TRIM_HORIZON", "--dataFormat", format)...)
	if !sink.WaitDistinct(3, 60*time.Second) {
		t.Fatalf("%d of 3 events\n%s", sink.Distinct(), binproc.Tail(p.Output(), 20))
	}
	evs := sink.Events()[:3]
	for i, op := range []string{"INSERT", "MODIFY", "REMOVE"} {
		if evs[i].Extensions()["dynamodboperation"] != op || evs[i].Extensions()["partitionkey"] != "pk=rich,sk=0" {
			t.Fatalf("event %d: %v, want %s with partitionkey", i, evs[i].Extensions(), op)
		}
	}
	return evs, items, streamARN
}

var viewTypes = []types.StreamViewType{types.StreamViewTypeKeysOnly, types.StreamViewTypeNewImage,
	types.StreamViewTypeOldImage, types.StreamViewTypeNewAndOldImages}

// carries reports which images a view type carries.
func carries(view types.StreamViewType) (newImg, oldImg bool) {
	return view == types.StreamViewTypeNewImage || view == types.StreamViewTypeNewAndOldImages,
		view == types.StreamViewTypeOldImage || view == types.StreamViewTypeNewAndOldImages
}

// The lambda format, through every view type, decodes into aws-lambda-go's
// events.DynamoDBEventRecord with nothing unknown to it and every field
// set as Lambda sets it; its images are the items read back.
func TestLambdaFormatOfEveryViewType(t *testing.T) {
	db := ddblocal.Start(t)
	for _, view := range viewTypes {
		t.Run(string(view), func(t *testing.T) {
			evs, items, streamARN := shapeRun(t, db, view, "lambda")
			withNew, withOld := carries(view)
			for i, e := range evs {
				dec := json.NewDecoder(bytes.NewReader(e.Data()))
				dec.DisallowUnknownFields()
				var r events.DynamoDBEventRecord
				if err := dec.Decode(&r); err != nil {
					t.Fatalf("event %d: %v\n%s", i, err, e.Data())
				}
				if r.EventID != e.ID() || r.EventName != e.Extensions()["dynamodboperation"] || r.EventSource != "aws:dynamodb" ||
					r.EventVersion == "" || r.AWSRegion == "" || r.EventSourceArn != streamARN || r.Change.SequenceNumber == "" ||
					r.Change.SizeBytes <= 0 || r.Change.StreamViewType != string(view) || r.Change.ApproximateCreationDateTime.IsZero() {
					t.Errorf("event %d: a field is not as Lambda sets it: %+v", i, r)
				}
				if time.Since(r.Change.ApproximateCreationDateTime.Time) > time.Hour {
					t.Errorf("event %d: ApproximateCreationDateTime %v", i, r.Change.ApproximateCreationDateTime)
				}
				if len(r.Change.Keys) != 2 || r.Change.Keys["pk"].String() != "rich" {
					t.Errorf("event %d: keys %v", i, r.Change.Keys)
				}
				var newImg, oldImg map[string]types.AttributeValue
				if withNew && i < 2 {
					newImg = items[i]
				}
				if withOld && i > 0 {
					oldImg = items[i-1]
				}
				sameImage(t, "NewImage", r.Change.NewImage, newImg)
				sameImage(t, "OldImage", r.Change.OldImage, oldImg)
			}
		})
	}
}

// sameImage compares an image in Lambda's shape with an item read back.
func sameImage(t *testing.T, name string, got map[string]events.DynamoDBAttributeValue, want map[string]types.AttributeValue) {
	t.Helper()
	if want == nil {
		if got != nil {
			t.Errorf("%s present, want none", name)
		}
		return
	}
	text, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	item, err := plainitem.FromWire(text)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := plain(t, item), plain(t, want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %v\nwant %v", name, g, w)
	}
}

// plain is an item as plain JSON values (plainitem.FromItem).
func plain(t *testing.T, item map[string]types.AttributeValue) map[string]any {
	t.Helper()
	m, err := plainitem.FromItem(item)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The document format, through every view type, is the items as read back
// with attributevalue: 38-digit numbers exact, sets, nested maps, binary;
// the images a view type lacks are absent.
func TestDocumentFormatOfEveryViewType(t *testing.T) {
	db := ddblocal.Start(t)
	for _, view := range viewTypes {
		t.Run(string(view), func(t *testing.T) {
			evs, items, _ := shapeRun(t, db, view, "document")
			withNew, withOld := carries(view)
			keys := plain(t, map[string]types.AttributeValue{"pk": s("rich"), "sk": s("0")})
			for i, e := range evs {
				dec := json.NewDecoder(bytes.NewReader(e.Data()))
				dec.UseNumber()
				var got map[string]any
				if err := dec.Decode(&got); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				want := map[string]any{"operation": e.Extensions()["dynamodboperation"], "keys": keys,
					"sequenceNumber": got["sequenceNumber"], "approximateCreationDateTime": e.Time().UTC().Format(time.RFC3339Nano)}
				if withNew && i < 2 {
					want["newImage"] = plain(t, items[i])
				}
				if withOld && i > 0 {
					want["oldImage"] = plain(t, items[i-1])
				}
				if sq, _ := got["sequenceNumber"].(string); sq == "" {
					t.Errorf("event %d: no sequenceNumber", i)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("event %d:\n got %v\nwant %v\n%s", i, got, want, e.Data())
				}
				if withNew && i == 0 && !bytes.Contains(e.Data(), []byte(`"big":12345678901234567890123456789012345678`)) {
					t.Errorf("the 38-digit number is not written as DynamoDB's literal: %s", e.Data())
				}
			}
		})
	}
}
