package awsconfig

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
)

const sessionToken = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexample"

// invalidSignature is the message AWS sends with InvalidSignatureException,
// canonical request and string to sign included.
var invalidSignature = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n" +
	"The Canonical String for this request should have been\n'POST\n/\n\n" +
	"accept-encoding:identity\ncontent-length:2\ncontent-type:application/x-amz-json-1.0\n" +
	"host:streams.dynamodb.us-east-1.amazonaws.com\nx-amz-date:20240501T120000Z\n" +
	"x-amz-security-token:" + sessionToken + "\nx-amz-target:DynamoDBStreams_20120810.ListStreams\n\n" +
	"accept-encoding;content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n" +
	"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'\n\n" +
	"The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20240501T120000Z\n" +
	"20240501/us-east-1/dynamodb/aws4_request\n5b6ac1e7a2c64b1aaf1a4ba0e1a6e5c7d2a5c1b0f1e7d3c9b8a7f6e5d4c3b2a1'\n"

func TestRedactAPIMessage(t *testing.T) {
	tests := []struct {
		name, msg string
		gone      []string
		kept      []string
	}{
		{"a bad signature's canonical request and string to sign are cut", invalidSignature,
			[]string{sessionToken, "x-amz-target:", "AWS4-HMAC-SHA256"},
			[]string{"does not match the signature you provided", "Check your AWS Secret Access Key"}},
		{"a session token in a query is masked", "bad request: X-Amz-Security-Token=" + sessionToken + "&X-Amz-Date=1",
			[]string{sessionToken}, []string{"X-Amz-Date=1"}},
		{"an ordinary message is unchanged", "Requested resource not found: Stream: arn:aws:dynamodb:x not found",
			nil, []string{"Requested resource not found: Stream: arn:aws:dynamodb:x not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RedactAPIMessage(tt.msg)
			for _, s := range tt.gone {
				if strings.Contains(got, s) {
					t.Errorf("RedactAPIMessage() = %q: still shows %q", got, s)
				}
			}
			for _, s := range tt.kept {
				if !strings.Contains(got, s) {
					t.Errorf("RedactAPIMessage() = %q: lost %q", got, s)
				}
			}
		})
	}
}

// An InvalidSignatureException through a client made by Load: the error the
// reader would log or return does not show the session token.
func TestLoadedClientsRedactSignatureErrors(t *testing.T) {
	srv := fakestreams.New(t, fakestreams.Options{})
	srv.SetFault(func(fakestreams.Call) fakestreams.Fault {
		return fakestreams.Fault{Code: "InvalidSignatureException", Message: invalidSignature}
	})
	cfg, err := Load(context.Background(), Settings{
		Table: v1alpha1.TableARN{Partition: "aws", Region: fakestreams.DefaultRegion, Account: fakestreams.DefaultAccount, Table: "t"},
		Credentials: Credentials{AccessKeyID: fakestreams.DefaultAccessKeyID,
			SecretAccessKey: fakestreams.DefaultSecretAccessKey, SessionToken: sessionToken},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewStreamsClient(cfg, srv.URL).ListStreams(context.Background(), &dynamodbstreams.ListStreamsInput{TableName: aws.String("t")})
	if err == nil {
		t.Fatal("ListStreams() = nil, want the scripted InvalidSignatureException")
	}
	if !strings.Contains(err.Error(), "InvalidSignatureException") || strings.Contains(err.Error(), sessionToken) ||
		strings.Contains(err.Error(), "x-amz-target:") {
		t.Errorf("error %q: want the code, without the canonical request or the token", err)
	}
}
