package config

import (
	"strings"
	"testing"
	"time"
)

func TestRelayHeartbeat(t *testing.T) {
	t.Parallel()
	base := "sources: [{name: hq, dialect: postgres, dsn: x, tables: [{name: t}]}]\nkafka: {brokers: [k:9092]}\n"
	for _, tc := range []struct {
		relay string
		want  time.Duration
		bad   string
	}{
		{"", DefaultHeartbeat, ""},
		{"relay: {heartbeat: 0s}\n", 0, ""},
		{"relay: {heartbeat: 250ms}\n", 250 * time.Millisecond, ""},
		{"relay: {heartbeat: 1ms}\n", 0, "relay: heartbeat 1ms: want 0 (off) or between 10ms and 1h"},
	} {
		cfg, err := ParseWithEnv("ferry.yaml", []byte(base+tc.relay), env(nil))
		if err != nil {
			t.Fatalf("%q: %v", tc.relay, err)
		}
		err = cfg.Validate()
		if tc.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%q: Validate() = %v, want %q", tc.relay, err, tc.bad)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.relay, err)
		}
		if got := cfg.Relay.HeartbeatEvery(); got != tc.want {
			t.Errorf("%q: heartbeat %s, want %s", tc.relay, got, tc.want)
		}
	}
}
