package fakestreams

import (
	"encoding/json"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// input holds the members of the four operations' requests; each operation
// reads its own.
type input struct {
	TableName               *string
	ExclusiveStartStreamArn *string
	StreamArn               *string
	ExclusiveStartShardId   *string
	ShardId                 *string
	ShardIteratorType       *string
	SequenceNumber          *string
	ShardIterator           *string
	Limit                   *int
	ShardFilter             *struct{ Type, ShardId *string }
}

type streamJSON struct {
	StreamArn, StreamLabel, TableName string
}

type listStreamsOutput struct {
	Streams                []streamJSON
	LastEvaluatedStreamArn string `json:",omitempty"`
}

type keySchemaJSON struct {
	AttributeName, KeyType string
}

type shardJSON struct {
	ShardId             string
	ParentShardId       string `json:",omitempty"`
	SequenceNumberRange struct {
		StartingSequenceNumber string
		EndingSequenceNumber   string `json:",omitempty"`
	}
}

type streamDescriptionJSON struct {
	StreamArn, StreamLabel, StreamStatus, StreamViewType, TableName string
	// Timestamps are epoch seconds in the JSON 1.0 protocol.
	CreationRequestDateTime float64
	KeySchema               []keySchemaJSON
	Shards                  []shardJSON
	LastEvaluatedShardId    string `json:",omitempty"`
}

type describeStreamOutput struct {
	StreamDescription streamDescriptionJSON
}

type getShardIteratorOutput struct {
	ShardIterator *string `json:",omitempty"`
}

type getRecordsOutput struct {
	Records           []recordJSON
	NextShardIterator *string `json:",omitempty"`
}

type recordJSON struct {
	AwsRegion    string        `json:"awsRegion"`
	Dynamodb     streamRecJSON `json:"dynamodb"`
	EventID      string        `json:"eventID"`
	EventName    string        `json:"eventName"`
	EventSource  string        `json:"eventSource"`
	EventVersion string        `json:"eventVersion"`
}

type streamRecJSON struct {
	ApproximateCreationDateTime float64
	Keys                        map[string]any `json:",omitempty"`
	NewImage                    map[string]any `json:",omitempty"`
	OldImage                    map[string]any `json:",omitempty"`
	SequenceNumber              string
	SizeBytes                   int
	StreamViewType              string
}

// recordJSON renders a record as AWS does, with the images the stream's view
// type asks for.
func (s *Server) recordJSON(x *stream, r storedRecord) recordJSON {
	sr := streamRecJSON{
		ApproximateCreationDateTime: epochSeconds(r.Created),
		Keys:                        item(r.Keys),
		SequenceNumber:              seqString(r.seq),
		StreamViewType:              string(x.spec.ViewType),
	}
	switch x.spec.ViewType {
	case types.StreamViewTypeNewImage:
		sr.NewImage = item(r.NewImage)
	case types.StreamViewTypeOldImage:
		sr.OldImage = item(r.OldImage)
	case types.StreamViewTypeNewAndOldImages:
		sr.NewImage, sr.OldImage = item(r.NewImage), item(r.OldImage)
	}
	size, _ := json.Marshal([]any{sr.Keys, sr.NewImage, sr.OldImage})
	sr.SizeBytes = len(size)
	return recordJSON{
		AwsRegion: s.opts.Region, Dynamodb: sr, EventID: r.EventID, EventName: string(r.EventName),
		EventSource: "aws:dynamodb", EventVersion: "1.1",
	}
}

func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func item(m map[string]types.AttributeValue) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = attributeValue(v)
	}
	return out
}

// attributeValue renders an AttributeValue in DynamoDB JSON ({"S": "x"}, ...).
func attributeValue(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": v.Value} // []byte marshals as base64, as on the wire
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": v.Value}
	case *types.AttributeValueMemberBS:
		return map[string]any{"BS": v.Value}
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = attributeValue(e)
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": item(v.Value)}
	}
	panic("fakestreams: unsupported attribute value type")
}
