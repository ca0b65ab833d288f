package snapshot

import (
	"slices"
	"strings"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// An item's key, as one string that a scanned item and a stream record of
// the same item both give: its key attributes in name order, each as name,
// type and value. Key attributes are strings, numbers or binaries; DynamoDB
// stores a number key in one canonical form, so equal keys are equal text.

// StreamKey is the key of a stream record's Keys.
func StreamKey(keys map[string]streams.AttributeValue) string {
	names := make([]string, 0, len(keys))
	for n := range keys {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		switch v := keys[n].(type) {
		case *streams.AttributeValueMemberS:
			writeKeyPart(&b, n, 'S', v.Value)
		case *streams.AttributeValueMemberN:
			writeKeyPart(&b, n, 'N', v.Value)
		case *streams.AttributeValueMemberB:
			writeKeyPart(&b, n, 'B', string(v.Value))
		}
	}
	return b.String()
}

// ItemKey is the key of a scanned item whose key attributes are names
// (sorted).
func ItemKey(item map[string]ddb.AttributeValue, names []string) string {
	var b strings.Builder
	for _, n := range names {
		switch v := item[n].(type) {
		case *ddb.AttributeValueMemberS:
			writeKeyPart(&b, n, 'S', v.Value)
		case *ddb.AttributeValueMemberN:
			writeKeyPart(&b, n, 'N', v.Value)
		case *ddb.AttributeValueMemberB:
			writeKeyPart(&b, n, 'B', string(v.Value))
		}
	}
	return b.String()
}

func writeKeyPart(b *strings.Builder, name string, typ byte, value string) {
	b.WriteString(name)
	b.WriteByte(0)
	b.WriteByte(typ)
	b.WriteString(value)
	b.WriteByte(0)
}
