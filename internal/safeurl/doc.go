// Package safeurl parses and shows URLs that may carry secrets.
//
// Sink and endpoint URLs often hold a password in their userinfo and an API
// key in their query (serverless functions, webhooks). Every place that
// checks such a URL or shows it — in a log line, an error, a condition
// message, the object's status — goes through this package, so that no
// secret is echoed and the rule is written once.
package safeurl
