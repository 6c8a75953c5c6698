package applier

import (
	"testing"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
)

func TestLag(t *testing.T) {
	t.Parallel()
	c := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	h := &fsql.Heartbeat{Committed: c, Interval: 5 * time.Second}
	for _, tc := range []struct {
		name         string
		applied, now time.Duration // after the heartbeat's commit
		want         time.Duration
	}{
		{"the next heartbeat is not due: its own latency", 40 * time.Millisecond, 3 * time.Second, 40 * time.Millisecond},
		{"just due", 40 * time.Millisecond, 5 * time.Second, 40 * time.Millisecond},
		{"overdue by a second", 40 * time.Millisecond, 6 * time.Second, time.Second},
		{"stalled for a minute", 40 * time.Millisecond, 65 * time.Second, time.Minute},
		{"clocks a little apart", -10 * time.Millisecond, time.Second, 0},
	} {
		if got := Lag(h, c.Add(tc.applied), c.Add(tc.now)); got != tc.want {
			t.Errorf("%s: Lag = %s, want %s", tc.name, got, tc.want)
		}
	}
}
