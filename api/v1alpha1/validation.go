package v1alpha1

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/filter"
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

	switch s.GetDataFormat() {
	case DataFormatTriggerMesh, DataFormatLambda, DataFormatDocument:
	default:
		add("dataFormat", "unknown value %q: use triggermesh, lambda or document", s.DataFormat)
	}
	if err := validateFilters(s.GetFilterPatterns()); err != nil {
		add("filterCriteria.filters", "%v", err)
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
		if d.MaxRecordAge != nil && d.MaxRecordAge.Duration <= 0 {
			add("delivery.maxRecordAge", "%s is not a positive duration: give one such as 1h, or leave it out for no limit", d.MaxRecordAge.Duration)
		}
		if dl := d.DeadLetterSink; dl != nil {
			for _, err := range validateDeadLetterSink(dl) {
				errs = append(errs, fmt.Errorf("delivery.deadLetterSink%w", err))
			}
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
		// At least one largest page (AWS: 1 MB) must fit.
		if q := p.MaxBytesInFlight; q != nil && (q.Value() < 4<<20 || q.Value() > 64<<30) {
			add("polling.maxBytesInFlight", "%s is out of range: use 4Mi to 64Gi", q.String())
		}
	}
	if sn := s.Snapshot; sn != nil {
		switch sn.Mode {
		case "", SnapshotModeNone:
		case SnapshotModeInitial:
			// The stream part starts where the scan began: a second
			// starting point would leave a gap or a double.
			if s.StartingPosition != "" && s.StartingPosition != DefaultStartingPosition {
				add("startingPosition", "%s cannot go with snapshot.mode initial, whose changes start where the scan began: drop startingPosition (and startingTimestamp), or set snapshot.mode none", s.StartingPosition)
			}
		default:
			add("snapshot.mode", "unknown mode %q: use none or initial", sn.Mode)
		}
		if sn.Segments != nil && (*sn.Segments < 1 || *sn.Segments > 256) {
			add("snapshot.segments", "%d is out of range: use 1 to 256", *sn.Segments)
		}
		if sn.ReadRate != nil && *sn.ReadRate < 0 {
			add("snapshot.readRate", "%d is negative: give read capacity units per second, or 0 for no cap", *sn.ReadRate)
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

// validateHTTPURL checks a sink or endpoint URL. Its errors never quote a
// part of the URL that may hold a secret: a password, a key in the query
// (this message goes to logs and to the object's status).
func validateHTTPURL(s string) error {
	_, err := safeurl.ParseHTTP(s)
	if err == nil {
		return nil
	}
	u, perr := url.Parse(strings.TrimSpace(s))
	switch {
	case perr != nil:
		return err // says it is not a URL, without quoting it
	case u.Scheme == "http" || u.Scheme == "https":
		return fmt.Errorf("%q: %w", safeurl.Redact(u), err) // no host
	}
	return fmt.Errorf("%q is not an http(s) URL: %w", safeurl.Redact(u), err)
}

// DeadLetterFile returns the path of a dead-letter sink given as a file: a
// file:// URI with an absolute path, or a path with no scheme. ok is false
// for anything else (an http(s) URL, or another scheme).
func DeadLetterFile(uri string) (path string, ok bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		// No scheme (or not a URL at all, like a path with a %): a path.
		return uri, uri != ""
	}
	if u.Scheme != "file" {
		return "", false
	}
	return u.Path, true
}

// validateDeadLetterSink checks delivery.deadLetterSink; each error starts
// with the rest of its field path (".uri: ...").
func validateDeadLetterSink(dl *Destination) []error {
	var errs []error
	if dl.Ref != nil && dl.URI != "" {
		errs = append(errs, errors.New(": give either delivery.deadLetterSink.ref or delivery.deadLetterSink.uri, not both"))
	}
	if dl.Ref == nil && dl.URI == "" {
		errs = append(errs, errors.New(": give a ref or a uri, or leave delivery.deadLetterSink out to drop refused events"))
	}
	if r := dl.Ref; r != nil && (r.Kind == "" || r.Name == "") {
		errs = append(errs, errors.New(".ref: kind and name are required"))
	}
	if dl.URI == "" {
		return errs
	}
	if path, ok := DeadLetterFile(dl.URI); ok {
		if u, err := url.Parse(dl.URI); err == nil && u.Scheme == "file" && (u.Host != "" && u.Host != "localhost" || !filepath.IsAbs(path)) {
			errs = append(errs, errors.New(".uri: a file:// URI needs an absolute path, as in file:///var/lib/dynamodb-source/dead-letters.jsonl; or give a plain path"))
		}
		return errs
	}
	if err := validateHTTPURL(dl.URI); err != nil {
		errs = append(errs, fmt.Errorf(".uri: %v; give an http(s) URL or, on the command line, a file (file:///abs/path or a path)", err))
	}
	return errs
}

// validateFilters compiles the filter patterns as the source will. A
// pattern on eventSourceARN is refused: every change of a source comes from
// its table's stream, so such a pattern would match all or nothing, and
// patterns are matched before the record knows which stream it came from.
func validateFilters(patterns []string) error {
	if _, err := filter.Compile(patterns); err != nil {
		return err
	}
	for i, p := range patterns {
		if strings.Contains(p, `"eventSourceARN"`) {
			return &filter.PatternError{Index: i, Count: len(patterns), Pattern: p, Path: "eventSourceARN",
				Reason: "eventSourceARN is the same for every change of this source (its table's stream): remove it from the pattern"}
		}
	}
	return nil
}
