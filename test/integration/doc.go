// Package integration runs the real dynamodb-source binary against a real
// DynamoDB Local and a real CloudEvents sink, as a user would.
package integration
