package applier_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/relay"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// daemon runs a relay or an applier in this process until stopped.
type daemon struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func runDaemon(t *testing.T, run func(context.Context) error) *daemon {
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{cancel: cancel}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := run(ctx); err != nil {
			t.Errorf("daemon: %v", err)
		}
	}()
	t.Cleanup(d.stop)
	return d
}

func (d *daemon) stop() { d.cancel(); d.wg.Wait() }

// lag reads the route's lag from the target alone, as ferry status does.
func (p *pipeline) lag(t *testing.T) (time.Duration, bool) {
	t.Helper()
	st, err := applier.Status(context.Background(), p.cfg, &p.cfg.Targets[0], postgres.Dialect{}, p.tgt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[0].Lag == nil {
		return 0, false
	}
	return *st[0].Lag, true
}

// waitLag waits until the lag satisfies ok, and returns it.
func (p *pipeline) waitLag(t *testing.T, what string, ok func(time.Duration) bool) time.Duration {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		lag, known := p.lag(t)
		if known && ok(lag) {
			return lag
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lag never became %s: it is %s (known: %t)", what, lag, known)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestHeartbeatLag: with no data changing, the heartbeats keep the lag of
// the pair known and small; it grows when the relay stops and when the
// applier stops, and comes back near zero when each runs again. Heartbeats
// never reach the user table.
func TestHeartbeatLag(t *testing.T) {
	p := newPipelineWith(t, options{relay: "  heartbeat: 200ms\n"}, `CREATE TABLE hb (id int PRIMARY KEY, v int NOT NULL)`)
	pgtest.Exec(t, p.src, `INSERT INTO hb VALUES (1, 1)`)
	startRelay := func() *daemon {
		r := relay.New(p.cfg, &p.cfg.Sources[0], postgres.Dialect{}, p.src, prometheus.NewRegistry(), quiet())
		return runDaemon(t, r.Run)
	}
	startApplier := func() *daemon { return runDaemon(t, p.applier().Run) }
	r, a := startRelay(), startApplier()
	p.converge(time.Minute)
	near := func(l time.Duration) bool { return l < time.Second }
	p.waitLag(t, "under a second", near)

	r.stop()
	grown := p.waitLag(t, "over 2s with the relay stopped", func(l time.Duration) bool { return l > 2*time.Second })
	time.Sleep(500 * time.Millisecond)
	if again, _ := p.lag(t); again <= grown {
		t.Errorf("the lag stopped growing with the relay stopped: %s, then %s", grown, again)
	}
	r = startRelay()
	p.waitLag(t, "under a second with the relay back", near)

	a.stop()
	p.waitLag(t, "over 2s with the applier stopped", func(l time.Duration) bool { return l > 2*time.Second })
	a = startApplier()
	p.waitLag(t, "under a second with the applier back", near)

	heartbeats := pgtest.QueryValue[int](t, p.src, `SELECT count(*) FROM ferry.outbox WHERE op = 'h'`)
	if heartbeats < 5 {
		t.Errorf("%d heartbeats in the outbox, want several", heartbeats)
	}
	if got := rows(t, p.tgt, "hb"); len(got) != 1 || got[0] != "(1,1)" {
		t.Errorf("the target table holds %v, want only the row written", got)
	}
	_, _ = r, a
}
