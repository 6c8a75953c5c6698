package config

import (
	"time"

	"github.com/robfig/cron/v3"
)

func (r *Relay) applyDefaults(topicPrefix string) {
	if r.PollInterval == 0 {
		r.PollInterval = 50 * time.Millisecond
	}
	if r.TransactionGap == 0 {
		r.TransactionGap = 15 * time.Millisecond
	}
	if r.BatchSize == 0 {
		r.BatchSize = 5000
	}
	if r.BatchBytes == 0 {
		r.BatchBytes = 64 << 20
	}
	if r.PurgeSchedule == "" {
		r.PurgeSchedule = "@every 1m"
	}
	if r.PurgeBatch == 0 {
		r.PurgeBatch = 5000
	}
	if r.TopicPartitions == 0 {
		r.TopicPartitions = 3
	}
	if r.TopicReplicationFactor == 0 {
		r.TopicReplicationFactor = -1
	}
	if r.OffsetsTopic == "" {
		r.OffsetsTopic = topicPrefix + "._relay_offsets"
	}
	if r.LeaseRetry == 0 {
		r.LeaseRetry = time.Second
	}
	if r.Heartbeat == nil {
		every := DefaultHeartbeat
		r.Heartbeat = &every
	}
}

// DefaultHeartbeat is how often a relay writes a heartbeat unless the
// config says.
const DefaultHeartbeat = 5 * time.Second

// HeartbeatEvery is the heartbeat interval; 0 when heartbeats are off.
func (r *Relay) HeartbeatEvery() time.Duration {
	if r.Heartbeat == nil {
		return DefaultHeartbeat
	}
	return *r.Heartbeat
}

// Schedule parses the purge schedule with robfig/cron's standard parser.
func (r *Relay) Schedule() (cron.Schedule, error) {
	return cron.ParseStandard(r.PurgeSchedule)
}

func (v *validation) relay(r Relay) {
	if r.PollInterval < time.Millisecond || r.PollInterval > time.Minute {
		v.add(r.Line, "relay: poll_interval %s: want between 1ms and 1m", r.PollInterval)
	}
	if r.TransactionGap < time.Millisecond || r.TransactionGap > time.Second {
		v.add(r.Line, "relay: transaction_gap %s: want between 1ms and 1s", r.TransactionGap)
	}
	if r.BatchSize < 1 || r.BatchSize > 100_000 {
		v.add(r.Line, "relay: batch_size %d: want 1 to 100000", r.BatchSize)
	}
	if r.BatchBytes < 1<<20 {
		v.add(r.Line, "relay: batch_bytes %d: want at least 1048576 (1 MiB)", r.BatchBytes)
	}
	if _, err := r.Schedule(); err != nil {
		v.add(r.Line, "relay: purge_schedule %q: %v", r.PurgeSchedule, err)
	}
	if r.PurgeBatch < 1 {
		v.add(r.Line, "relay: purge_batch %d: want at least 1", r.PurgeBatch)
	}
	if r.TopicPartitions < 1 {
		v.add(r.Line, "relay: topic_partitions %d: want at least 1", r.TopicPartitions)
	}
	if r.TopicReplicationFactor < -1 || r.TopicReplicationFactor == 0 {
		v.add(r.Line, "relay: topic_replication_factor %d: want -1 (the broker's default) or at least 1", r.TopicReplicationFactor)
	}
	// A default derived from a bad topic_prefix is reported there, once.
	if r.OffsetsTopic != v.badPrefix+"._relay_offsets" && !validTopic.MatchString(r.OffsetsTopic) {
		v.add(r.Line, "relay: offsets_topic %q may hold only letters, digits, '.', '_' and '-'", r.OffsetsTopic)
	}
	if h := r.HeartbeatEvery(); h != 0 && (h < 10*time.Millisecond || h > time.Hour) {
		v.add(r.Line, "relay: heartbeat %s: want 0 (off) or between 10ms and 1h", h)
	}
	if r.LeaseRetry < 10*time.Millisecond {
		v.add(r.Line, "relay: lease_retry %s: want at least 10ms", r.LeaseRetry)
	}
}
