package integration

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// filterPatterns is one pattern per operator, a key filter, a NewImage
// numeric range and an $or: ten, the most allowed.
var filterPatterns = []string{
	`{"dynamodb":{"NewImage":{"color":{"S":["red"]}}}}`,                                            // exact
	`{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"vip#"}]}}}}`,                                       // prefix, on the key
	`{"dynamodb":{"NewImage":{"email":{"S":[{"suffix":"@example.org"}]}}}}`,                        // suffix
	`{"dynamodb":{"NewImage":{"city":{"S":[{"equals-ignore-case":"PARIS"}]}}}}`,                    // equals-ignore-case
	`{"eventName":["MODIFY"],"dynamodb":{"NewImage":{"status":{"S":[{"anything-but":["new"]}]}}}}`, // anything-but
	`{"dynamodb":{"NewImage":{"price":{"N":[{"numeric":[">",100,"<=",200]}]}}}}`,                   // numeric range
	`{"eventName":["REMOVE"],"dynamodb":{"OldImage":{"archived":{"BOOL":[{"exists":true}]}}}}`,     // exists
	`{"dynamodb":{"NewImage":{"path":{"S":[{"wildcard":"/img/*.png"}]}}}}`,                         // wildcard
	`{"$or":[{"dynamodb":{"NewImage":{"flag":{"BOOL":[true]}}}},{"dynamodb":{"NewImage":{"n":{"N":["42"]}}}}]}`,
	`{"eventName":["INSERT"],"dynamodb":{"NewImage":{"sentinel":{"S":["yes"]}}}}`, // the restart's marker
}

// change is one write and whether a pattern matches the record it makes.
type change struct {
	pk    string
	attrs map[string]types.AttributeValue // nil: delete the item
	match bool
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

var filterChanges = []change{
	{"a", map[string]types.AttributeValue{"color": s("red")}, true},
	{"b", map[string]types.AttributeValue{"color": s("Red")}, false}, // exact is case-sensitive
	{"vip#1", map[string]types.AttributeValue{"color": s("blue")}, true},
	{"c", map[string]types.AttributeValue{"email": s("x@example.org")}, true},
	{"d", map[string]types.AttributeValue{"email": s("x@example.org.uk")}, false},
	{"e", map[string]types.AttributeValue{"city": s("paris")}, true},
	{"f", map[string]types.AttributeValue{"status": s("new")}, false},   // INSERT: anything-but wants a MODIFY
	{"f", map[string]types.AttributeValue{"status": s("active")}, true}, // MODIFY, not "new"
	{"f", map[string]types.AttributeValue{"status": s("new")}, false},   // MODIFY back to "new"
	{"g", map[string]types.AttributeValue{"price": n("150")}, true},     // in (100, 200]
	{"h", map[string]types.AttributeValue{"price": n("100")}, false},    // the open end
	{"i", map[string]types.AttributeValue{"price": n("200")}, true},     // the closed end
	{"j", map[string]types.AttributeValue{"archived": &types.AttributeValueMemberBOOL{Value: false}}, false},
	{"j", nil, true}, // REMOVE of an item that has archived
	{"k", map[string]types.AttributeValue{"path": s("/img/cat.png")}, true},
	{"l", map[string]types.AttributeValue{"path": s("/img/cat.jpg")}, false},
	{"m", map[string]types.AttributeValue{"flag": &types.AttributeValueMemberBOOL{Value: true}}, true},
	{"o", map[string]types.AttributeValue{"n": n("42")}, true},
	{"p", map[string]types.AttributeValue{"n": n("43")}, false},
	{"q", map[string]types.AttributeValue{"other": s("x")}, false}, // the last changes are filtered out
	{"r", map[string]types.AttributeValue{"other": s("y")}, false},
}

func write(ctx context.Context, t *testing.T, c *dynamodb.Client, table string, ch change) {
	t.Helper()
	key := map[string]types.AttributeValue{"pk": s(ch.pk), "sk": s("0")}
	var err error
	if ch.attrs == nil {
		_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key})
	} else {
		item := map[string]types.AttributeValue{}
		for k, v := range key {
			item[k] = v
		}
		for k, v := range ch.attrs {
			item[k] = v
		}
		_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
	}
	if err != nil {
		t.Fatalf("writing %s: %v", ch.pk, err)
	}
}

// TestFiltersSendExactlyTheMatchingChanges runs the binary with a pattern
// per operator over a table with changes of every kind: exactly the
// matching changes arrive, in every data format; the rest are counted as
// filtered and the checkpoint moves past them, the last ones included, so
// that a restart reads and sends nothing of them again.
func TestFiltersSendExactlyTheMatchingChanges(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	for _, format := range []string{"triggermesh", "lambda", "document"} {
		t.Run(format, func(t *testing.T) {
			table := "filters-" + format
			tableARN, _ := db.CreateTable(ctx, t, table, types.StreamViewTypeNewAndOldImages)
			c := db.DynamoDB()
			var want []string
			records := 0
			for _, ch := range filterChanges {
				write(ctx, t, c, table, ch)
				records++
				if ch.match {
					want = append(want, ch.pk)
				}
			}
			args := []string{"--startingPosition", "TRIM_HORIZON", "--dataFormat", format}
			for _, p := range filterPatterns {
				args = append(args, "--filterCriteria.filters.pattern", p)
			}
			sink := cesink.Start(t)
			state := t.TempDir()
			port := binproc.FreePort(t)
			base := "http://127.0.0.1:" + strconv.Itoa(port)
			p := start(t, cleanEnv(state), seedArgs(db, tableARN, sink.URL, append(args, "--metrics-port", strconv.Itoa(port))...)...)
			if !sink.WaitDistinct(len(want), 60*time.Second) {
				t.Fatalf("%d of %d matching changes delivered\n%s", sink.Distinct(), len(want), binproc.Tail(p.Output(), 20))
			}
			m := waitMetrics(t, base, func(m metricSet) bool {
				return m["dynamodb_source_events_filtered_total"] == float64(records-len(want)) &&
					m["dynamodb_source_events_delivered_total"] == float64(len(want))
			})
			check(t, m, map[string]func(float64) bool{
				"dynamodb_source_events_filtered_total":  eq(float64(records - len(want))),
				"dynamodb_source_events_delivered_total": eq(float64(len(want))),
				"dynamodb_source_records_read_total":     eq(float64(records)),
			})
			time.Sleep(500 * time.Millisecond) // nothing more may come
			var got []string
			for _, e := range sink.Events() {
				got = append(got, pkOf(t, e.Subject()))
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("delivered %v, want %v", got, want)
			}
			if code := p.Stop(syscall.SIGTERM, 20*time.Second); code != 0 {
				t.Fatalf("exit %d\n%s", code, binproc.Tail(p.Output(), 20))
			}

			// The restart starts after the last (filtered) change: it reads
			// only what is written now.
			p = start(t, cleanEnv(state), seedArgs(db, tableARN, sink.URL, append(args, "--metrics-port", strconv.Itoa(port))...)...)
			p.WaitLog("reading shard", 30*time.Second)
			write(ctx, t, c, table, change{"z", map[string]types.AttributeValue{"sentinel": s("yes")}, true})
			if !sink.WaitDistinct(len(want)+1, 60*time.Second) {
				t.Fatalf("the change after the restart did not arrive\n%s", binproc.Tail(p.Output(), 20))
			}
			m = waitMetrics(t, base, func(m metricSet) bool { return m["dynamodb_source_events_delivered_total"] == 1 })
			check(t, m, map[string]func(float64) bool{
				"dynamodb_source_records_read_total":    eq(1),
				"dynamodb_source_events_filtered_total": eq(0),
			})
			if sink.Len() != len(want)+1 {
				t.Errorf("%d events after the restart, want %d: something was sent again", sink.Len(), len(want)+1)
			}
		})
	}
}

// pkOf returns the pk of a subject "pk=…,sk=0".
func pkOf(t *testing.T, subject string) string {
	t.Helper()
	const suffix = ",sk=0"
	if len(subject) < 3+len(suffix) || subject[:3] != "pk=" || subject[len(subject)-len(suffix):] != suffix {
		t.Fatalf("subject %q is not pk=…,sk=0", subject)
	}
	return subject[3 : len(subject)-len(suffix)]
}

// TestBadFilterInputIsAUsageError: a pattern that does not compile, too
// many patterns or an unknown data format exit 2 with a message that
// quotes the pattern or names the choices.
func TestBadFilterInputIsAUsageError(t *testing.T) {
	eleven := []string{}
	for range 11 {
		eleven = append(eleven, "--filterCriteria.filters.pattern", `{"eventName":["INSERT"]}`)
	}
	args := func(extra ...string) []string {
		return append([]string{"create", "source", "awsdynamodb", "--arn", "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
			"--sink.uri", "http://127.0.0.1:1"}, extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"a pattern that is not JSON is quoted", args("--filterCriteria.filters.pattern", `{"eventName":`),
			[]string{"filterCriteria.filters", "filter pattern 1 of 1 `{\"eventName\":`"}},
		{"an unknown operator is named", args("--filterCriteria.filters.pattern", `{"eventName":[{"startsWith":"IN"}]}`),
			[]string{"filter pattern 1 of 1", "startsWith"}},
		{"an eleventh pattern is refused", args(eleven...), []string{"at most 10"}},
		{"an unknown data format names the three", args("--dataFormat", "avro"), []string{"triggermesh, lambda or document"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t, cleanEnv(t.TempDir()), tc.args...)
			if code := p.Wait(30 * time.Second); code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, p.Output())
			}
			for _, w := range tc.want {
				if !strings.Contains(p.Output(), w) {
					t.Errorf("output lacks %q:\n%s", w, p.Output())
				}
			}
		})
	}
}
