package awsconfig

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// AWS's answer to a bad signature (InvalidSignatureException,
// SignatureDoesNotMatch) quotes the canonical request it expected and the
// string to sign, and the canonical request holds the session token
// (x-amz-security-token). Errors are logged and returned to the user, so
// the quote is cut and any token left is masked.
var (
	signatureQuotes = []string{"The Canonical String for this request should have been", "The String-to-Sign should have been"}
	securityToken   = regexp.MustCompile(`(?i)(x-amz-security-token\s*[:=]\s*)[^\s&'"]+`)
)

// RedactAPIMessage returns an AWS error message without the canonical
// request, the string to sign or a session token.
func RedactAPIMessage(msg string) string {
	for _, q := range signatureQuotes {
		if i := strings.Index(msg, q); i >= 0 {
			msg = strings.TrimSpace(msg[:i]) + " (the canonical request AWS quoted is not shown: it holds the session token)"
		}
	}
	return securityToken.ReplaceAllString(msg, "${1}[redacted]")
}

// redactAPIErrors adds to a client's stack a step that rewrites the message
// of every API error it returns with RedactAPIMessage, so that no caller
// that logs or wraps the error can show a token.
func redactAPIErrors(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("RedactAPIErrorMessages",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			var generic *smithy.GenericAPIError
			if errors.As(err, &generic) {
				generic.Message = RedactAPIMessage(generic.Message)
			}
			return out, md, err
		}), middleware.Before)
}
