package event

import (
	"errors"
	"fmt"
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

// Boxed once so that storing the usual operations in the extensions map
// does not allocate an interface value per event.
var (
	opInsert any = string(types.OperationTypeInsert)
	opModify any = string(types.OperationTypeModify)
	opRemove any = string(types.OperationTypeRemove)
)

// Converter turns stream records of one table into CloudEvents. It holds
// configuration only, so one value may be used from many goroutines as long
// as its fields are not modified meanwhile.
type Converter struct {
	// Source is the table ARN as configured; it becomes the event source.
	Source string
	// Overrides are the extensions from K_CE_OVERRIDES. They are applied
	// last, so they win over the extensions set here (dynamodboperation
	// included). Check them once with ValidateOverrides at startup.
	Overrides map[string]string
}

// Convert builds the CloudEvent for one stream record. It fails for a record
// without eventID (the event would have no id), for an attribute value of a
// type this SDK doesn't know, for an invalid Source, and for overrides that
// ValidateOverrides rejects; the adapter decides what to do with such a
// record, Convert never drops data silently.
func (c *Converter) Convert(r types.Record) (cloudevents.Event, error) {
	return c.ConvertData(r, nil)
}

// ConvertData is Convert for a record whose event data is rendered already:
// the light records of DecodeGetRecords and their Data. data is used as it
// is, not copied. With nil data it is Convert.
func (c *Converter) ConvertData(r types.Record, data []byte) (cloudevents.Event, error) {
	if r.EventID == nil || *r.EventID == "" {
		return cloudevents.Event{}, errors.New("stream record has no eventID, which the CloudEvent id requires")
	}
	if c.Source == "" {
		return cloudevents.Event{}, errors.New("converter has no Source: set it to the table ARN")
	}
	// Parsed per event rather than cached: it costs well under a microsecond
	// and a cache would need synchronisation or a constructor.
	src, err := url.Parse(c.Source)
	if err != nil {
		return cloudevents.Event{}, fmt.Errorf("source %q is not a URI-reference: %w", c.Source, err)
	}
	if err := ValidateOverrides(c.Overrides); err != nil {
		return cloudevents.Event{}, err
	}

	if data == nil {
		if data, err = marshalRecord(&r); err != nil {
			return cloudevents.Event{}, fmt.Errorf("encoding data of stream record %s: %w", *r.EventID, err)
		}
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
		Source:          cloudevents.URIRef{URL: *src},
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

	if r.EventName != "" || len(c.Overrides) > 0 {
		a.ctx.Extensions = make(map[string]any, 1+len(c.Overrides))
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
	for k, v := range c.Overrides {
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
	// Fast path without allocation: Convert calls this for every event.
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
