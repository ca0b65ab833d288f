// Package plainitem is the test oracle of the document data shape: an item
// read back from DynamoDB (or decoded from DynamoDB JSON) turned into plain
// JSON values by aws-sdk-go-v2's attributevalue, normalised so that it
// compares with a document decoded by encoding/json with UseNumber: numbers
// as json.Number (their exact literal), binaries as base64 strings, sets and
// lists as []any, maps as map[string]any.
package plainitem

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// FromItem returns item as plain, normalised values.
func FromItem(item map[string]types.AttributeValue) (map[string]any, error) {
	var m map[string]any
	err := attributevalue.UnmarshalMapWithOptions(item, &m, func(o *attributevalue.DecoderOptions) { o.UseNumber = true })
	if err != nil {
		return nil, fmt.Errorf("unmarshalling item: %w", err)
	}
	return Normalize(m).(map[string]any), nil
}

// Normalize turns attributevalue's Go values into those encoding/json
// decodes the same JSON into (with UseNumber).
func Normalize(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case attributevalue.Number:
		return json.Number(x)
	case json.Number, string, bool:
		return x
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = Normalize(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		for _, k := range rv.MapKeys() {
			out[k.String()] = Normalize(rv.MapIndex(k).Interface())
		}
		return out
	}
	return v
}

// FromWire decodes an item in DynamoDB JSON (as the wire carries images)
// into the SDK's attribute values.
func FromWire(text []byte) (map[string]types.AttributeValue, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(text, &raw); err != nil {
		return nil, fmt.Errorf("decoding item: %w", err)
	}
	item := make(map[string]types.AttributeValue, len(raw))
	for name, v := range raw {
		av, err := value(v)
		if err != nil {
			return nil, fmt.Errorf("decoding %s: %w", name, err)
		}
		item[name] = av
	}
	return item, nil
}

func value(text []byte) (types.AttributeValue, error) {
	var w struct {
		S, N, B *string
		BOOL    *bool
		NULL    *bool
		M       json.RawMessage
		L       []json.RawMessage
		SS, NS  []string
		BS      [][]byte
	}
	if err := json.Unmarshal(text, &w); err != nil {
		return nil, err
	}
	switch {
	case w.S != nil:
		return &types.AttributeValueMemberS{Value: *w.S}, nil
	case w.N != nil:
		return &types.AttributeValueMemberN{Value: *w.N}, nil
	case w.B != nil:
		b, err := base64.StdEncoding.DecodeString(*w.B)
		return &types.AttributeValueMemberB{Value: b}, err
	case w.BOOL != nil:
		return &types.AttributeValueMemberBOOL{Value: *w.BOOL}, nil
	case w.NULL != nil:
		return &types.AttributeValueMemberNULL{Value: *w.NULL}, nil
	case w.M != nil:
		m, err := FromWire(w.M)
		return &types.AttributeValueMemberM{Value: m}, err
	case w.L != nil:
		l := make([]types.AttributeValue, len(w.L))
		for i, e := range w.L {
			var err error
			if l[i], err = value(e); err != nil {
				return nil, err
			}
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case w.SS != nil:
		return &types.AttributeValueMemberSS{Value: w.SS}, nil
	case w.NS != nil:
		return &types.AttributeValueMemberNS{Value: w.NS}, nil
	case w.BS != nil:
		return &types.AttributeValueMemberBS{Value: w.BS}, nil
	}
	return nil, fmt.Errorf("attribute value %s of no known type", text)
}
