package relay_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// faults skips unless FERRY_TEST_FAULTS=1: these tests stop and restart the
// shared PostgreSQL and Kafka, so scripts/test.sh runs them on their own,
// one package at a time, after the rest.
func faults(t *testing.T) {
	t.Helper()
	if os.Getenv("FERRY_TEST_FAULTS") != "1" {
		t.Skip("set FERRY_TEST_FAULTS=1 to restart the shared services (make test does, in a pass of its own)")
	}
}

// TestFaultBrokerAndDatabaseRestartMidStream restarts Kafka, then
// PostgreSQL, while changes flow; nothing is lost or doubled, and the relay
// logs each outage once, not once per retry.
func TestFaultBrokerAndDatabaseRestartMidStream(t *testing.T) {
	faults(t)
	e := newEnv(t, "emp", "dept")
	p := e.spawn()
	var written atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w, table := range e.tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				base := w*1_000_000 + i*50
				_, err := e.db.Exec(fmt.Sprintf(`INSERT INTO %s SELECT g, 0, '' FROM generate_series(%d, %d) g`, table, base+1, base+50))
				if err != nil {
					// The database is restarting: the insert did not happen. Retry.
					time.Sleep(200 * time.Millisecond)
					continue
				}
				written.Add(50)
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	time.Sleep(3 * time.Second)
	kafkatest.Stop(t)
	time.Sleep(5 * time.Second) // the relay retries against a broker that is gone
	kafkatest.Start(t)
	time.Sleep(5 * time.Second)
	pgtest.Restart(t)
	time.Sleep(5 * time.Second)
	stop()
	wg.Wait()

	want := e.expected()
	kafkatest.WaitFor(t, e.brokers, e.topics(), want, 3*time.Minute)
	time.Sleep(2 * time.Second)
	got := decode(t, kafkatest.ReadAll(t, e.brokers, e.topics()))
	if code := p.stop(t); code != 0 {
		t.Errorf("relay exited %d", code)
	}
	t.Logf("%d changes written, %d messages", written.Load(), len(got))
	if len(got) != want {
		t.Fatalf("%d messages, want %d", len(got), want)
	}
	e.checkExactlyOnceInOrder(got)
	warns := strings.Count(p.out.String(), "level=WARN")
	if warns > 10 {
		t.Errorf("%d warnings for two outages: the relay logs per attempt, not per change of state:\n%s", warns, p.out)
	}
}
