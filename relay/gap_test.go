package relay_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/relay"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestATrickleCostsATransactionPerGap: changes committed one by one every
// 25 ms for 2 s go to Kafka in at most one transaction per transaction_gap
// (300 ms here), each exactly once and in order; a relay that began its
// next transaction as soon as the last committed would make one for
// nearly every change.
func TestATrickleCostsATransactionPerGap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "trickle")
	e.cfg.Relay.TransactionGap = 300 * time.Millisecond
	reg := prometheus.NewRegistry()
	r := relay.New(e.cfg, e.source(), postgres.Dialect{}, e.db, reg, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	pgtest.Exec(t, e.db, `INSERT INTO trickle VALUES (0, 0, 'first')`)
	kafkatest.WaitFor(t, e.brokers, e.topics(), 1, time.Minute)
	before := batches(t, reg)
	start := time.Now()
	const n = 80
	for i := 1; i <= n; i++ {
		pgtest.Exec(t, e.db, `UPDATE trickle SET v = v + 1 WHERE id = 0`)
		time.Sleep(25 * time.Millisecond)
	}
	e.checkExactlyOnceInOrder(decode(t, kafkatest.WaitFor(t, e.brokers, e.topics(), n+1, time.Minute)))
	elapsed := time.Since(start)
	// One transaction per gap, one more for the last changes, and the
	// heartbeats', each a transaction of its own at most.
	most := int(elapsed/e.cfg.Relay.TransactionGap) + 2 + int(elapsed/e.cfg.Relay.HeartbeatEvery()) + 1
	if got := batches(t, reg) - before; got > float64(most) {
		t.Fatalf("%d changes in %s took %.0f Kafka transactions, want at most %d (one per %s)", n, elapsed.Round(time.Millisecond), got, most, e.cfg.Relay.TransactionGap)
	}
}

// batches reads the relay's count of Kafka transactions with changes.
func batches(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "ferry_relay_batches_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("no ferry_relay_batches_total")
	return 0
}
