package v1alpha1

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/safeurl"
)

// Validate checks a spec the way a user needs it checked: each problem is
// named by its field path, says what is wrong and how to fix it. All problems
// are reported at once.
func (s *AWSDynamoDBSourceSpec) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}

	if _, err := ParseTableARN(s.ARN); err != nil {
		add("arn", "%v", err)
	}

	if s.Sink.URI != "" {
		if err := validateHTTPURL(s.Sink.URI); err != nil {
			add("sink.uri", "%v", err)
		}
	}
	if s.Sink.Ref != nil && s.Sink.URI != "" {
		// Knative allows uri relative to ref; this source keeps it simple.
		add("sink", "give either sink.ref or sink.uri, not both")
	}
	if r := s.Sink.Ref; r != nil && (r.Kind == "" || r.Name == "") {
		add("sink.ref", "kind and name are required")
	}

	switch s.GetStartingPosition() {
	case StartingPositionLatest, StartingPositionTrimHorizon:
		if s.StartingTimestamp != nil {
			add("startingTimestamp", "only used with startingPosition AT_TIMESTAMP (got %s): drop it or set startingPosition to AT_TIMESTAMP", s.GetStartingPosition())
		}
	case StartingPositionAtTimestamp:
		if s.StartingTimestamp == nil {
			add("startingTimestamp", "required with startingPosition AT_TIMESTAMP: give an RFC 3339 time such as 2024-05-01T12:00:00Z")
		} else if s.StartingTimestamp.After(time.Now().Add(time.Minute)) {
			add("startingTimestamp", "%s is in the future: give a time in the past 24 hours", s.StartingTimestamp.UTC().Format(time.RFC3339))
		}
	default:
		add("startingPosition", "unknown value %q: use LATEST, TRIM_HORIZON or AT_TIMESTAMP", s.StartingPosition)
	}

	if c := s.Auth.Credentials; c != nil {
		if c.AccessKeyID.IsSet() != c.SecretAccessKey.IsSet() {
			add("auth.credentials", "accessKeyID and secretAccessKey go together: give both, or neither to use the default AWS credential chain")
		}
		if c.SessionToken.IsSet() && !c.AccessKeyID.IsSet() {
			add("auth.credentials.sessionToken", "needs accessKeyID and secretAccessKey")
		}
		if c.AssumeIAMRole != "" {
			if err := ValidateRoleARN(c.AssumeIAMRole); err != nil {
				add("auth.credentials.assumeIamRole", "%v", err)
			}
		}
	}
	if iam := s.Auth.IAM; iam != nil && iam.RoleArn != "" {
		if err := ValidateRoleARN(iam.RoleArn); err != nil {
			add("auth.iam.roleArn", "%v", err)
		}
	}
	if s.Auth.EksIAMRole != "" {
		if err := ValidateRoleARN(s.Auth.EksIAMRole); err != nil {
			add("auth.iamRole", "%v", err)
		}
	}

	if s.Endpoint != nil && s.Endpoint.URL != "" {
		if err := validateHTTPURL(s.Endpoint.URL); err != nil {
			add("endpoint.url", "%v", err)
		}
	}

	if d := s.Delivery; d != nil {
		if d.Parallelism != nil && (*d.Parallelism < 1 || *d.Parallelism > 1000) {
			add("delivery.parallelism", "%d is out of range: use 1 to 1000", *d.Parallelism)
		}
		if d.Timeout != nil && d.Timeout.Duration <= 0 {
			add("delivery.timeout", "must be positive, such as 30s")
		}
		if d.Retries != nil && *d.Retries < 0 {
			add("delivery.retries", "must be 0 (retry until delivered) or more")
		}
		if b := d.Batch; b != nil {
			if b.Size != nil && (*b.Size < 1 || *b.Size > 1000) {
				add("delivery.batch.size", "%d is out of range: use 1 (batched mode off) to 1000", *b.Size)
			}
			if b.Linger != nil && (b.Linger.Duration < 0 || b.Linger.Duration > time.Second) {
				add("delivery.batch.linger", "%s is out of range: use 0 to 1s", b.Linger.Duration)
			}
		}
	}
	if p := s.Polling; p != nil {
		if p.IdleInterval != nil && (p.IdleInterval.Duration < 10*time.Millisecond || p.IdleInterval.Duration > time.Minute) {
			add("polling.idleInterval", "%s is out of range: use 10ms to 1m", p.IdleInterval.Duration)
		}
		if p.DiscoveryInterval != nil && (p.DiscoveryInterval.Duration < time.Second || p.DiscoveryInterval.Duration > 10*time.Minute) {
			add("polling.discoveryInterval", "%s is out of range: use 1s to 10m", p.DiscoveryInterval.Duration)
		}
	}
	if c := s.Checkpoint; c != nil {
		switch c.Store {
		case "", CheckpointStoreFile, CheckpointStoreKubernetes, CheckpointStoreMemory:
		default:
			add("checkpoint.store", "unknown store %q: use file, kubernetes or memory", c.Store)
		}
		// A folder with a store that keeps nothing in it would let a user
		// believe progress survives a restart when it does not.
		if c.Dir != "" && c.Store != "" && c.Store != CheckpointStoreFile {
			add("checkpoint.dir", "only used with checkpoint.store file (got %s): drop it, or drop checkpoint.store to keep progress in %s", c.Store, c.Dir)
		}
	}
	return errors.Join(errs...)
}

func validateHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		// The text is not quoted: a URL may carry a password or a key, and
		// this message goes to logs and to the object's status.
		return fmt.Errorf("it is not a URL: %v", errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q is not an http(s) URL: give one such as http://localhost:8080", safeurl.Redact(u))
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host: give one such as http://localhost:8080", safeurl.Redact(u))
	}
	return nil
}
