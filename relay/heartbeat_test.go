package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/internal/kafkaread"
	"github.com/ferry-cdc/ferry/internal/latency"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestHeartbeatsReachEveryPartition: the leading relay's heartbeats go
// through the outbox to every partition of every captured table's topic,
// without a key, as op h, with the source commit time and the interval;
// the changes carry their commit time too.
func TestHeartbeatsReachEveryPartition(t *testing.T) {
	e := newEnv(t, "ha", "hb")
	every := 100 * time.Millisecond
	e.cfg.Relay.Heartbeat = &every
	pgtest.Exec(t, e.db, `INSERT INTO ha VALUES (1, 1, 'x')`)
	e.start()
	type part struct {
		topic string
		p     int32
	}
	deadline := time.Now().Add(time.Minute)
	for {
		seen := map[part]int{}
		changes := 0
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := kafkaread.ToEnd(ctx, e.brokers, e.topics(), kafkaread.Options{}, func(m *kafka.Message) error {
			committed, ok := latency.Committed(m)
			if !ok || time.Since(committed) > time.Hour || time.Since(committed) < -time.Minute {
				return fmt.Errorf("message %v has no plausible %s header: %v", m.TopicPartition, latency.Header, m.Headers)
			}
			interval, hb := latency.Heartbeat(m)
			if !hb {
				changes++
				return nil
			}
			var env struct {
				Op     string          `json:"op"`
				Before json.RawMessage `json:"before"`
				After  json.RawMessage `json:"after"`
			}
			if err := json.Unmarshal(m.Value, &env); err != nil || env.Op != "h" || string(env.After) != "null" || m.Key != nil || interval != every {
				return fmt.Errorf("heartbeat %v: key %q, interval %s, value %s", m.TopicPartition, m.Key, interval, m.Value)
			}
			seen[part{*m.TopicPartition.Topic, m.TopicPartition.Partition}]++
			return nil
		})
		cancel()
		// The relay creates the topics when it first sends: until then
		// there is nothing to read yet.
		if err != nil && !errors.Is(err, kafkaread.ErrNoTopic) {
			t.Fatal(err)
		}
		if err == nil && len(seen) == 2*e.cfg.Relay.TopicPartitions && changes == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("heartbeats reached %d partitions of %d, with %d changes (want 1): %v", len(seen), 2*e.cfg.Relay.TopicPartitions, changes, seen)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
