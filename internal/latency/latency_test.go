package latency

import (
	"slices"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

func TestCommittedRoundTrips(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 29, 12, 0, 0, 123456000, time.UTC)
	m := &kafka.Message{Headers: []kafka.Header{{Key: "ferry.seq", Value: []byte("7")}, {Key: Header, Value: Append(nil, at)}}}
	got, ok := Committed(m)
	if !ok || !got.Equal(at) {
		t.Errorf("Committed = %s, %t; want %s", got, ok, at)
	}
	if _, ok := Committed(&kafka.Message{}); ok {
		t.Error("a message without the header has a commit time")
	}
	if _, ok := Heartbeat(m); ok {
		t.Error("a change is a heartbeat")
	}
	m.Headers = append(m.Headers, kafka.Header{Key: HeartbeatHeader, Value: []byte("5000")})
	if d, ok := Heartbeat(m); !ok || d != 5*time.Second {
		t.Errorf("Heartbeat = %s, %t", d, ok)
	}
	if !slices.IsSorted(Buckets) {
		t.Error("the buckets are not in order")
	}
	if Since(at.Add(time.Second), at) != 0 {
		t.Error("Since is negative when clocks disagree")
	}
}
