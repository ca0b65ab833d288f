package snapcheck

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// Table is a test's record of what a table from ddblocal.CreateTable
// holds, key (pk) to version, kept as it writes; every write of a key, a
// delete included, raises the key's version.
type Table struct {
	mu   sync.Mutex
	want map[string]int
	next map[string]int // the next version of a key, deletes included
}

// NewTable returns the record of an empty table.
func NewTable() *Table { return &Table{want: map[string]int{}, next: map[string]int{}} }

// Key is the pk of item i of Preload.
func Key(i int) string { return fmt.Sprintf("item-%06d", i) }

// Preload writes n items (Key(0)… at version 1) with BatchWriteItem.
func (tb *Table) Preload(ctx context.Context, c *dynamodb.Client, name string, n int) error {
	for i := 0; i < n; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < min(n, i+25); j++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: ddblocal.VersionItem(Key(j), 1)}})
		}
		out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: reqs}})
		if err != nil {
			return fmt.Errorf("preloading %s: %w", name, err)
		}
		if len(out.UnprocessedItems) > 0 {
			return fmt.Errorf("preloading %s: %d items unprocessed", name, len(out.UnprocessedItems[name]))
		}
		tb.mu.Lock()
		for j := i; j < min(n, i+25); j++ {
			tb.next[Key(j)], tb.want[Key(j)] = 1, 1
		}
		tb.mu.Unlock()
	}
	return nil
}

// Put writes the next version of pk.
func (tb *Table) Put(ctx context.Context, c *dynamodb.Client, name, pk string) error {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	v := tb.next[pk] + 1
	if err := ddblocal.PutItem(ctx, c, name, ddblocal.VersionItem(pk, v)); err != nil {
		return err
	}
	tb.next[pk], tb.want[pk] = v, v
	return nil
}

// Delete deletes pk.
func (tb *Table) Delete(ctx context.Context, c *dynamodb.Client, name, pk string) error {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: "0"}}})
	if err != nil {
		return fmt.Errorf("deleting %s: %w", pk, err)
	}
	tb.next[pk]++ // the next put is newer than the delete
	delete(tb.want, pk)
	return nil
}

// Want returns a copy of what the table holds.
func (tb *Table) Want() map[string]int {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return maps.Clone(tb.want)
}

// Write changes (60%), deletes (20%) and inserts (20%) random items among
// Key(0)…Key(items-1) until stop ends. Each write runs to its answer, never
// canceled midway, so that the record is what the table holds.
func (tb *Table) Write(stop context.Context, c *dynamodb.Client, name string, items int, seed uint64) error {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 1))
	for n := 0; stop.Err() == nil; n++ {
		var err error
		switch op := rng.IntN(10); {
		case op < 6:
			err = tb.Put(ctx, c, name, Key(rng.IntN(items)))
		case op < 8:
			err = tb.Delete(ctx, c, name, Key(rng.IntN(items)))
		default:
			err = tb.Put(ctx, c, name, "new-"+strconv.FormatUint(seed, 10)+"-"+strconv.Itoa(n))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
