// Package latency carries each change's source commit time from the relay
// to the applier, and holds the buckets of the histograms that measure
// from it.
//
// A change's commit time is not in the outbox: its row's ts is when its
// transaction started. The relay bounds it from both sides: it committed
// after the row's ts and after the relay's previous outbox snapshot (which
// did not see it), and before the snapshot that saw it, taken while the
// relay read it. The relay sends the lower bound, the latest of the first
// two, in the header [Header], so every latency measured from it is at
// most one relay poll longer than the truth, and never shorter. The times
// are the source's (ts) and the relay host's clocks, compared with the
// applier host's: keep the hosts' clocks in step (NTP).
package latency

import (
	"strconv"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Header is the Kafka header with a change's source commit time, in
// microseconds since the Unix epoch, in decimal.
const Header = "ferry.committed"

// HeartbeatHeader marks a heartbeat message; its value is the relay's
// heartbeat interval in milliseconds, in decimal.
const HeartbeatHeader = "ferry.heartbeat"

// Buckets are the upper bounds, in seconds, of Ferry's latency histograms:
// fine from a millisecond to a second, where the pipeline's latency lives,
// then coarse to a minute.
var Buckets = []float64{
	0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075,
	0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60,
}

// Append appends t in the header's form.
func Append(dst []byte, t time.Time) []byte { return strconv.AppendInt(dst, t.UnixMicro(), 10) }

// Committed reads the source commit time of a message; ok is false when
// the message carries none (a snapshot's read, another producer's).
func Committed(m *kafka.Message) (t time.Time, ok bool) {
	for _, h := range m.Headers {
		if h.Key == Header {
			us, err := strconv.ParseInt(string(h.Value), 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			return time.UnixMicro(us), true
		}
	}
	return time.Time{}, false
}

// Heartbeat reads a heartbeat message's interval; ok is false when m is
// not a heartbeat.
func Heartbeat(m *kafka.Message) (interval time.Duration, ok bool) {
	for _, h := range m.Headers {
		if h.Key == HeartbeatHeader {
			ms, _ := strconv.ParseInt(string(h.Value), 10, 64)
			return time.Duration(ms) * time.Millisecond, true
		}
	}
	return 0, false
}

// Since is the seconds from t to now, for a histogram; never negative,
// since clocks of different hosts can disagree by a little.
func Since(t, now time.Time) float64 { return max(now.Sub(t).Seconds(), 0) }
