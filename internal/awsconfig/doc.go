// Package awsconfig turns a source's spec into an AWS SDK configuration and
// a DynamoDB Streams client: the region from the table ARN, credentials from
// the spec or else the SDK's default chain (environment, web identity / IRSA,
// EKS Pod Identity, profiles, instance metadata), an optional STS assumed
// role, and an optional endpoint override for DynamoDB Local or LocalStack.
package awsconfig
