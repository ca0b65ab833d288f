package v1alpha1

import "time"

// Defaults applied when a field is not set.
const (
	DefaultStartingPosition  = StartingPositionLatest
	DefaultParallelism       = 16
	DefaultDeliveryTimeout   = 30 * time.Second
	DefaultIdleInterval      = 250 * time.Millisecond
	DefaultDiscoveryInterval = 10 * time.Second
	DefaultBatchSize         = 1 // batched mode off
	DefaultBatchLinger       = 5 * time.Millisecond
	DefaultMaxBytesInFlight  = 128 << 20
	DefaultSnapshotSegments  = 4
)

// GetStartingPosition returns the starting position, defaulted.
func (s *AWSDynamoDBSourceSpec) GetStartingPosition() string {
	if s.StartingPosition == "" {
		return DefaultStartingPosition
	}
	return s.StartingPosition
}

// GetParallelism returns delivery.parallelism, defaulted.
func (s *AWSDynamoDBSourceSpec) GetParallelism() int {
	if s.Delivery == nil || s.Delivery.Parallelism == nil {
		return DefaultParallelism
	}
	return int(*s.Delivery.Parallelism)
}

// GetDeliveryTimeout returns delivery.timeout, defaulted.
func (s *AWSDynamoDBSourceSpec) GetDeliveryTimeout() time.Duration {
	if s.Delivery == nil || s.Delivery.Timeout == nil {
		return DefaultDeliveryTimeout
	}
	return s.Delivery.Timeout.Duration
}

// GetRetries returns delivery.retries; 0 means no limit.
func (s *AWSDynamoDBSourceSpec) GetRetries() int {
	if s.Delivery == nil || s.Delivery.Retries == nil {
		return 0
	}
	return int(*s.Delivery.Retries)
}

// GetBatchSize returns delivery.batch.size, defaulted; 1 means batched mode
// is off.
func (s *AWSDynamoDBSourceSpec) GetBatchSize() int {
	if s.Delivery == nil || s.Delivery.Batch == nil || s.Delivery.Batch.Size == nil {
		return DefaultBatchSize
	}
	return int(*s.Delivery.Batch.Size)
}

// GetBatchLinger returns delivery.batch.linger, defaulted.
func (s *AWSDynamoDBSourceSpec) GetBatchLinger() time.Duration {
	if s.Delivery == nil || s.Delivery.Batch == nil || s.Delivery.Batch.Linger == nil {
		return DefaultBatchLinger
	}
	return s.Delivery.Batch.Linger.Duration
}

// GetIdleInterval returns polling.idleInterval, defaulted.
func (s *AWSDynamoDBSourceSpec) GetIdleInterval() time.Duration {
	if s.Polling == nil || s.Polling.IdleInterval == nil {
		return DefaultIdleInterval
	}
	return s.Polling.IdleInterval.Duration
}

// GetMaxBytesInFlight returns polling.maxBytesInFlight in bytes, defaulted.
func (s *AWSDynamoDBSourceSpec) GetMaxBytesInFlight() int64 {
	if s.Polling == nil || s.Polling.MaxBytesInFlight == nil {
		return DefaultMaxBytesInFlight
	}
	return s.Polling.MaxBytesInFlight.Value()
}

// GetDiscoveryInterval returns polling.discoveryInterval, defaulted.
func (s *AWSDynamoDBSourceSpec) GetDiscoveryInterval() time.Duration {
	if s.Polling == nil || s.Polling.DiscoveryInterval == nil {
		return DefaultDiscoveryInterval
	}
	return s.Polling.DiscoveryInterval.Duration
}

// GetCheckpointStore returns checkpoint.store, or def when unset.
func (s *AWSDynamoDBSourceSpec) GetCheckpointStore(def string) string {
	if s.Checkpoint == nil || s.Checkpoint.Store == "" {
		return def
	}
	return s.Checkpoint.Store
}

// GetDeadLetterSink returns delivery.deadLetterSink, nil when unset.
func (s *AWSDynamoDBSourceSpec) GetDeadLetterSink() *Destination {
	if s.Delivery == nil {
		return nil
	}
	return s.Delivery.DeadLetterSink
}

// GetMaxRecordAge returns delivery.maxRecordAge; 0 means no limit.
func (s *AWSDynamoDBSourceSpec) GetMaxRecordAge() time.Duration {
	if s.Delivery == nil || s.Delivery.MaxRecordAge == nil {
		return 0
	}
	return s.Delivery.MaxRecordAge.Duration
}

// GetDataFormat returns spec.dataFormat, triggermesh when unset.
func (s *AWSDynamoDBSourceSpec) GetDataFormat() string {
	if s.DataFormat == "" {
		return DataFormatTriggerMesh
	}
	return s.DataFormat
}

// GetFilterPatterns returns the filter patterns' texts, nil without any.
func (s *AWSDynamoDBSourceSpec) GetFilterPatterns() []string {
	if s.FilterCriteria == nil || len(s.FilterCriteria.Filters) == 0 {
		return nil
	}
	patterns := make([]string, len(s.FilterCriteria.Filters))
	for i, f := range s.FilterCriteria.Filters {
		patterns[i] = f.Pattern
	}
	return patterns
}

// GetSnapshotMode returns snapshot.mode, none when unset.
func (s *AWSDynamoDBSourceSpec) GetSnapshotMode() string {
	if s.Snapshot == nil || s.Snapshot.Mode == "" {
		return SnapshotModeNone
	}
	return s.Snapshot.Mode
}

// GetSnapshotSegments returns snapshot.segments, defaulted.
func (s *AWSDynamoDBSourceSpec) GetSnapshotSegments() int {
	if s.Snapshot == nil || s.Snapshot.Segments == nil {
		return DefaultSnapshotSegments
	}
	return int(*s.Snapshot.Segments)
}

// GetSnapshotReadRate returns snapshot.readRate; 0 means no cap.
func (s *AWSDynamoDBSourceSpec) GetSnapshotReadRate() int {
	if s.Snapshot == nil || s.Snapshot.ReadRate == nil {
		return 0
	}
	return int(*s.Snapshot.ReadRate)
}
