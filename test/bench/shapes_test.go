package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// BenchmarkShapes drains one backlog with each data format in turn
// (triggermesh, lambda, document, then triggermesh again, so that a machine
// whose load changes during the run shows) and reports the binary's CPU
// per 1,000 events for each, and lambda's and document's as a ratio of the
// lower of the two triggermesh runs. The bound is 1.3.
func BenchmarkShapes(b *testing.B) {
	for b.Loop() {
		ctx := context.Background()
		db := ddblocal.Start(b)
		const n = 10_000
		tableARN, _ := db.CreateTable(ctx, b, "shapes", types.StreamViewTypeNewAndOldImages)
		load(ctx, b, db, "shapes", n)
		sink := startSink(b)
		cpu := map[string]float64{}
		for i, format := range []string{"triggermesh", "lambda", "document", "triggermesh"} {
			s := drain(b, db, tableARN, sink, n, "--dataFormat", format)
			c := s.cpuPer1k()
			if i == 3 {
				c = min(c, cpu[format])
			}
			cpu[format] = c
		}
		for _, format := range []string{"triggermesh", "lambda", "document"} {
			b.ReportMetric(cpu[format], format+"-cpu-ms/1k")
		}
		for _, format := range []string{"lambda", "document"} {
			b.ReportMetric(cpu[format]/cpu["triggermesh"], format+"/triggermesh")
		}
		b.Logf("CPU per 1,000 events: %s", fmt.Sprint(cpu))
		b.ReportMetric(0, "ns/op")
	}
}
