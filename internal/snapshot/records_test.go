package snapshot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/event"
	"github.com/dynamodb-source/dynamodb-source/internal/event/document"
	"github.com/dynamodb-source/dynamodb-source/internal/event/lambda"
	"github.com/dynamodb-source/dynamodb-source/internal/event/v1json"
)

func testItem() map[string]ddb.AttributeValue {
	return map[string]ddb.AttributeValue{
		"pk":   &ddb.AttributeValueMemberS{Value: "a\"b"},
		"sk":   &ddb.AttributeValueMemberN{Value: "7"},
		"bin":  &ddb.AttributeValueMemberB{Value: []byte{0, 1, 2}},
		"ok":   &ddb.AttributeValueMemberBOOL{Value: true},
		"none": &ddb.AttributeValueMemberNULL{Value: true},
		"map":  &ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{"x": &ddb.AttributeValueMemberS{Value: "y"}}},
		"list": &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{&ddb.AttributeValueMemberN{Value: "1"}}},
		"ss":   &ddb.AttributeValueMemberSS{Value: []string{"p", "q"}},
		"ns":   &ddb.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"bs":   &ddb.AttributeValueMemberBS{Value: [][]byte{{9}}},
		"ünï☃": &ddb.AttributeValueMemberS{Value: "\n\u2028"},
	}
}

// Every data shape renders a SNAPSHOT record: the converter makes the same
// event as for a change, with dynamodboperation SNAPSHOT and the item's key
// as subject.
func TestASnapshotItemIsAnEventInEveryShape(t *testing.T) {
	names := []string{"pk", "sk"}
	item := testItem()
	id := EventID("snap1", ItemKey(item, names))
	rec := appendRecord(nil, item, names, id, "eu-west-1", "00000000000000000001", time.Unix(1700000000, 0))
	if !json.Valid(rec) {
		t.Fatalf("the record is not JSON: %s", rec)
	}
	conv, err := event.NewConverter("arn:aws:dynamodb:eu-west-1:123456789012:table/t", nil)
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string]func([]byte) (v1json.Page, error){
		"triggermesh": v1json.DecodeGetRecords, "lambda": lambda.DecodeGetRecords, "document": document.DecodeGetRecords,
	}
	for name, decode := range shapes {
		t.Run(name, func(t *testing.T) {
			p, err := decode(pageBody([][]byte{rec}))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Records) != 1 || (p.Errs != nil && p.Errs[0] != nil) {
				t.Fatalf("records %d, errs %v", len(p.Records), p.Errs)
			}
			if got := string(p.Records[0].EventName); got != EventName {
				t.Errorf("eventName %q, want %s", got, EventName)
			}
			if got := StreamKey(p.Records[0].Dynamodb.Keys); got != ItemKey(item, names) {
				t.Errorf("the record's key %q is not the item's %q", got, ItemKey(item, names))
			}
			e, err := conv.ConvertData(p.Records[0], p.Data[0])
			if err != nil {
				t.Fatal(err)
			}
			if e.ID() != id || e.Extensions()[event.ExtensionOperation] != EventName || e.Subject() == "" {
				t.Errorf("event id %s operation %v subject %q", e.ID(), e.Extensions()[event.ExtensionOperation], e.Subject())
			}
			if e.Extensions()[event.ExtensionPartitionKey] != e.Subject() {
				t.Errorf("partitionkey %v, subject %s", e.Extensions()[event.ExtensionPartitionKey], e.Subject())
			}
			for _, want := range []string{"SNAPSHOT", "ünï☃", "AAEC"} {
				if !strings.Contains(string(p.Data[0]), want) {
					t.Errorf("data lacks %q: %s", want, p.Data[0])
				}
			}
		})
	}
}

func TestEventIDIsStablePerItemAndSnapshot(t *testing.T) {
	k1 := ItemKey(testItem(), []string{"pk", "sk"})
	// The same item read again (after a restart, say) has the same id.
	if again := ItemKey(testItem(), []string{"pk", "sk"}); EventID("s", k1) != EventID("s", again) {
		t.Error("the id of one item changes")
	}
	k2 := StreamKey(map[string]streams.AttributeValue{"pk": &streams.AttributeValueMemberS{Value: "other"}})
	if EventID("s", k1) == EventID("s", k2) {
		t.Error("two items have one id")
	}
	if EventID("s", k1) == EventID("t", k1) {
		t.Error("two snapshots give an item one id")
	}
}

func TestASavedKeyReadsBack(t *testing.T) {
	k := map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: ""}, "n": &ddb.AttributeValueMemberN{Value: "1.5"},
		"b": &ddb.AttributeValueMemberB{Value: []byte{0xff}}}
	b, _ := json.Marshal(keyJSON(k))
	var saved map[string]map[string]string
	if err := json.Unmarshal(b, &saved); err != nil {
		t.Fatal(err)
	}
	got, err := keyFromJSON(saved)
	if err != nil {
		t.Fatal(err)
	}
	if ItemKey(got, []string{"b", "n", "pk"}) != ItemKey(k, []string{"b", "n", "pk"}) {
		t.Errorf("read back %v, saved %v", got, k)
	}
}
