package event

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// Type is the CloudEvents type of every event; it is TriggerMesh's value,
// which consumers' triggers filter on.
const Type = "com.amazon.dynamodb.stream_record"

// ExtensionOperation is the extension holding the record's eventName
// (INSERT, MODIFY or REMOVE), kept from TriggerMesh for routing.
const ExtensionOperation = "dynamodboperation"

// ExtensionPartitionKey is the CloudEvents partitioning extension, set to
// the subject (the item's key), so that a Kafka-backed sink keeps one
// item's changes in one partition, in order.
const ExtensionPartitionKey = "partitionkey"

// ExtensionTTL is set to true on a change made by DynamoDB's TTL (a
// userIdentity of type Service, principal dynamodb.amazonaws.com), so that
// a consumer can tell an expiry from a user's delete.
const ExtensionTTL = "dynamodbttl"

// isTTLDelete reports whether a record's userIdentity is DynamoDB's TTL.
func isTTLDelete(id *types.Identity) bool {
	return id != nil && id.Type != nil && *id.Type == "Service" &&
		id.PrincipalId != nil && *id.PrincipalId == "dynamodb.amazonaws.com"
}

// Boxed once so that storing the usual operations in the extensions map
// does not allocate an interface value per event.
var (
	opInsert any = string(types.OperationTypeInsert)
	opModify any = string(types.OperationTypeModify)
	opRemove any = string(types.OperationTypeRemove)
)

// Converter turns stream records of one table into CloudEvents around the
// event data a data shape rendered (internal/event/v1json, TriggerMesh's).
// It holds configuration only, checked once by NewConverter, so one value
// may be used from many goroutines.
type Converter struct {
	// source is the table ARN as configured, parsed once: the event source.
	source cloudevents.URIRef
	// overrides are the extensions from K_CE_OVERRIDES. They are applied
	// last, so they win over the extensions set here (dynamodboperation
	// included).
	overrides map[string]string
}

// NewConverter returns the converter of the table whose ARN is source, with
// the K_CE_OVERRIDES extensions overrides (checked by ValidateOverrides;
// copied, so the caller may change its map afterwards). It fails for an
// empty or invalid source and for invalid overrides, saying how to fix
// them: checked here once rather than on every record.
func NewConverter(source string, overrides map[string]string) (*Converter, error) {
	if source == "" {
		return nil, errors.New("converter has no Source: set it to the table ARN")
	}
	src, err := url.Parse(source)
	if err != nil {
		return nil, fmt.Errorf("source %q is not a URI-reference: %w", source, err)
	}
	if err := ValidateOverrides(overrides); err != nil {
		return nil, err
	}
	return &Converter{source: cloudevents.URIRef{URL: *src}, overrides: maps.Clone(overrides)}, nil
}

// ConvertData builds the CloudEvent for one stream record whose event data
// is rendered already: a light record of v1json.DecodeGetRecords and its
// Data (see the package doc for the path a record takes). data is used as
// it is, not copied; nil data makes an event without data, which no data
// shape hands over for a record it did not refuse. It fails for a record
// without eventID (the event would have no id); the caller decides what to
// do with such a record, ConvertData never drops data silently.
func (c *Converter) ConvertData(r types.Record, data []byte) (cloudevents.Event, error) {
	if r.EventID == nil || *r.EventID == "" {
		return cloudevents.Event{}, errors.New("stream record has no eventID, which the CloudEvent id requires")
	}

	// One allocation for the context and the values it points to.
	a := &struct {
		ctx         cloudevents.EventContextV1
		contentType string
		subject     string
		time        cloudevents.Timestamp
	}{contentType: cloudevents.ApplicationJSON}
	a.ctx = cloudevents.EventContextV1{
		ID:              *r.EventID,
		Source:          c.source,
		Type:            Type,
		DataContentType: &a.contentType,
	}
	if r.Dynamodb != nil {
		if a.subject = Subject(r.Dynamodb.Keys); a.subject != "" {
			a.ctx.Subject = &a.subject
		}
		if t := r.Dynamodb.ApproximateCreationDateTime; t != nil && !t.IsZero() {
			a.time.Time = *t
			a.ctx.Time = &a.time
		}
	}

	ttl := isTTLDelete(r.UserIdentity)
	if r.EventName != "" || a.subject != "" || ttl || len(c.overrides) > 0 {
		a.ctx.Extensions = make(map[string]any, 3+len(c.overrides))
	}
	if a.subject != "" {
		a.ctx.Extensions[ExtensionPartitionKey] = a.subject
	}
	if ttl {
		a.ctx.Extensions[ExtensionTTL] = true
	}
	switch r.EventName {
	case "":
		// A record always carries one; if not, omitting the extension is
		// more honest than inventing a value, and the data still says null.
	case types.OperationTypeInsert:
		a.ctx.Extensions[ExtensionOperation] = opInsert
	case types.OperationTypeModify:
		a.ctx.Extensions[ExtensionOperation] = opModify
	case types.OperationTypeRemove:
		a.ctx.Extensions[ExtensionOperation] = opRemove
	default:
		a.ctx.Extensions[ExtensionOperation] = string(r.EventName)
	}
	for k, v := range c.overrides {
		a.ctx.Extensions[k] = v
	}

	// DataEncoded is set directly: SetData would re-encode a value through
	// the JSON codec, and given []byte it would mark the data as binary
	// (DataBase64), turning it into a base64 string in structured mode.
	// Left false, the data travels as JSON, as it did with TriggerMesh.
	return cloudevents.Event{Context: &a.ctx, DataEncoded: data}, nil
}

// reservedNames are CloudEvents 1.0 context attributes plus the members that
// the JSON event format uses for the payload; an extension of that name would
// replace a core attribute or collide with the data in structured mode.
var reservedNames = []string{
	"data", "datacontenttype", "dataschema", "id", "source", "specversion",
	"subject", "time", "type",
}

// ValidateOverrides checks K_CE_OVERRIDES extensions before they are applied
// to every event: CloudEvents 1.0 requires attribute names made of lowercase
// ASCII letters and digits, the core attributes can't be overridden, and a
// value must be sendable as an HTTP header in binary mode. The error lists
// every offending extension, sorted, with how to fix it.
func ValidateOverrides(overrides map[string]string) error {
	ok := true
	for k, v := range overrides {
		if overrideProblem(k, v) != "" {
			ok = false
			break
		}
	}
	if ok {
		return nil
	}

	names := make([]string, 0, len(overrides))
	for k := range overrides {
		names = append(names, k)
	}
	slices.Sort(names)
	var problems []string
	for _, k := range names {
		if p := overrideProblem(k, overrides[k]); p != "" {
			problems = append(problems, p)
		}
	}
	return fmt.Errorf("invalid K_CE_OVERRIDES extensions: %s", strings.Join(problems, "; "))
}

// overrideProblem describes what is wrong with one override, or returns "".
func overrideProblem(name, value string) string {
	if name == "" {
		return `an extension has an empty name: give it a name of lowercase letters a-z and digits 0-9`
	}
	if !isAttributeName(name) {
		fix := attributeNameFrom(name)
		if fix == "" {
			return fmt.Sprintf("extension %q is not a valid CloudEvents attribute name: use only lowercase letters a-z and digits 0-9", name)
		}
		return fmt.Sprintf("extension %q is not a valid CloudEvents attribute name: use only lowercase letters a-z and digits 0-9, e.g. %q", name, fix)
	}
	if slices.Contains(reservedNames, name) {
		return fmt.Sprintf("extension %q is a CloudEvents core attribute and can't be set as an extension: remove it or choose another name", name)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 || c == 0x7f {
			return fmt.Sprintf("value of extension %q contains control character %U, which can't be sent in an HTTP ce- header: remove it", name, rune(c))
		}
	}
	return ""
}

func isAttributeName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

// attributeNameFrom suggests a valid name: lowercased, invalid characters
// dropped.
func attributeNameFrom(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}
