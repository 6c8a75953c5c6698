package applier_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/relay"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// pauseFor is how long TestPauseOneOfTwoRoutes keeps its route paused:
// 5 s in the normal suite, 30 s with FERRY_TEST_PAUSE_LONG=1.
func pauseFor() time.Duration {
	if os.Getenv("FERRY_TEST_PAUSE_LONG") != "" {
		return 30 * time.Second
	}
	return 5 * time.Second
}

// auditDDL keeps, in the target, every write the applier makes to a table
// whose v counts the changes of its key: v must arrive as 1, 2, 3, ... per
// key, each once, in order.
func auditDDL(table string) []string {
	return []string{
		fmt.Sprintf(`CREATE TABLE %s_audit (n bigserial PRIMARY KEY, id int NOT NULL, v int NOT NULL)`, table),
		fmt.Sprintf(`CREATE FUNCTION %[1]s_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO %[1]s_audit (id, v) VALUES (NEW.id, NEW.v); RETURN NULL; END $$`, table),
		fmt.Sprintf(`CREATE TRIGGER audit AFTER INSERT OR UPDATE ON %[1]s FOR EACH ROW EXECUTE FUNCTION %[1]s_audit()`, table),
	}
}

// checkAudit fails unless every key's writes in the target were 1..v, once each, in order.
func checkAudit(t *testing.T, p *pipeline, table string) {
	t.Helper()
	rows, err := p.tgt.Query(fmt.Sprintf(`SELECT id, v FROM %s_audit ORDER BY n`, table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	last := map[int]int{}
	n := 0
	for rows.Next() {
		var id, v int
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		if v != last[id]+1 {
			msgs := kafkatest.ReadAll(t, p.brokers, []string{p.topic(table)})
			for _, m := range msgs {
				if strings.Contains(string(m.Key), fmt.Sprintf(`"id":%d}`, id)) {
					t.Logf("kafka %d/%d: %s", m.Partition, m.Offset, m.Value)
				}
			}
			t.Fatalf("table %s key %d: the target was written v=%d after v=%d: a change lost, doubled or out of order", table, id, v, last[id])
		}
		last[id] = v
		n++
	}
	if n == 0 {
		t.Fatalf("table %s: nothing was applied", table)
	}
}

// TestPauseOneOfTwoRoutes: under a steady workload on two tables, with
// two appliers sharing the partitions, pausing one route stops it within
// a few seconds while the other keeps applying; resumed, it catches up,
// every change applied once and in order per key, and the target equals
// the source.
func TestPauseOneOfTwoRoutes(t *testing.T) {
	p := newPipelineWith(t, options{relay: "  heartbeat: 200ms\n", targetSQL: append(auditDDL("pa"), auditDDL("pb")...)},
		`CREATE TABLE pa (id int PRIMARY KEY, v int NOT NULL)`, `CREATE TABLE pb (id int PRIMARY KEY, v int NOT NULL)`)
	r := relay.New(p.cfg, &p.cfg.Sources[0], postgres.Dialect{}, p.src, prometheus.NewRegistry(), quiet())
	runDaemon(t, r.Run)
	runDaemon(t, p.applier().Run)
	if os.Getenv("DEBUG_ONE") == "" {
		runDaemon(t, p.applier().Run)
	}

	// The workload: each statement adds 1 to v of a random key of a table.
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var written atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for ctx.Err() == nil {
				table := []string{"pa", "pb"}[rng.IntN(2)]
				_, err := p.src.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET v = %s.v + 1`, table, table), rng.IntN(40))
				if err != nil && ctx.Err() == nil {
					t.Error(err)
					return
				}
				written.Add(1)
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	defer func() { stopLoad(); wg.Wait() }()

	count := func(table string) int {
		return pgtest.QueryValue[int](t, p.tgt, fmt.Sprintf(`SELECT count(*) FROM %s_audit`, table))
	}
	waitGrowth := func(table string) {
		t.Helper()
		from := count(table)
		deadline := time.Now().Add(time.Minute)
		for count(table) == from {
			if time.Now().After(deadline) {
				t.Fatalf("nothing applied to %s in a minute", table)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitGrowth("pa")
	waitGrowth("pb")

	routeA := applier.RouteName(p.cfg.Routes[0])
	book := applier.Bookkeeping(p.cfg, "branch", postgres.Dialect{})
	set := func(paused bool) {
		if err := book.SetRouteState(context.Background(), p.tgt,
			fsql.RouteState{Route: routeA, Paused: paused, By: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	set(true)
	// Stopped within a few seconds: its writes stop growing.
	deadline := time.Now().Add(time.Minute)
	for {
		before := count("pa")
		time.Sleep(2 * time.Second)
		if count("pa") == before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("route pa still applies a minute after it was paused")
		}
	}
	paused, other := count("pa"), count("pb")
	time.Sleep(pauseFor())
	if got := count("pa"); got != paused {
		t.Errorf("the paused route applied %d writes while paused", got-paused)
	}
	if got := count("pb"); got <= other {
		t.Errorf("the other route applied nothing while the first was paused (%d writes before, %d after)", other, got)
	}
	st, err := applier.Status(context.Background(), p.cfg, &p.cfg.Targets[0], postgres.Dialect{}, p.tgt, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Paused != (s.Route == routeA) {
			t.Errorf("status says route %s paused=%t", s.Route, s.Paused)
		}
	}
	if a := st[0]; a.Route == routeA && (a.Lag == nil || *a.Lag < pauseFor()/2) {
		t.Errorf("the paused route's lag is %v, want it growing with the pause", a.Lag)
	}

	set(false)
	waitGrowth("pa")
	stopLoad()
	wg.Wait()
	p.converge(2 * time.Minute)
	checkAudit(t, p, "pa")
	checkAudit(t, p, "pb")
	if written.Load() < 100 {
		t.Errorf("the workload wrote only %d changes", written.Load())
	}
	_ = strings.Join
}

// BenchmarkPauseOtherRouteLatency: 1,000 single-row inserts a second, half
// into each of two tables, for 10 s with both routes running and 10 s with
// the first paused; the second route's end-to-end latency in each phase
// (from the source COMMIT returning to the target's trigger seeing the row).
//
//	go test -run '^$' -bench PauseOtherRouteLatency -benchtime 1x ./applier/
func BenchmarkPauseOtherRouteLatency(b *testing.B) {
	for i := 0; i < b.N; i++ {
		p := newPipelineWith(b, options{targetSQL: []string{
			`CREATE TABLE arrived (id bigint PRIMARY KEY, at timestamptz NOT NULL)`,
			`CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO arrived VALUES (NEW.id, clock_timestamp()); RETURN NULL; END $$`,
			`CREATE TRIGGER stamp AFTER INSERT ON lb FOR EACH ROW EXECUTE FUNCTION stamp()`,
		}}, `CREATE TABLE la (id bigint PRIMARY KEY, v int NOT NULL)`, `CREATE TABLE lb (id bigint PRIMARY KEY, v int NOT NULL)`)
		p.run()
		time.Sleep(3 * time.Second)
		const rate, seconds = 1000, 10
		n := rate * seconds / 2
		committed := make([]time.Time, 2*n+1)
		p.src.SetMaxOpenConns(8)
		p.src.SetMaxIdleConns(8)
		phase := func(first int) {
			sem := make(chan struct{}, 8)
			start := time.Now()
			for k := 0; k < rate*seconds; {
				due := int(time.Since(start).Seconds() * rate)
				for ; k < due && k < rate*seconds; k++ {
					sem <- struct{}{}
					go func(k int) {
						defer func() { <-sem }()
						id := first + k/2
						if k%2 == 0 {
							p.src.Exec(`INSERT INTO la VALUES ($1, 0)`, id)
							return
						}
						if _, err := p.src.Exec(`INSERT INTO lb VALUES ($1, 0)`, id); err == nil {
							committed[id] = time.Now()
						}
					}(k)
				}
				time.Sleep(time.Millisecond)
			}
			for len(sem) > 0 {
				time.Sleep(time.Millisecond)
			}
		}
		report := func(name string, from, to int) {
			deadline := time.Now().Add(time.Minute)
			for pgtest.QueryValue[int](b, p.tgt, `SELECT count(*) FROM arrived WHERE id BETWEEN $1 AND $2`, from, to) < to-from+1 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			part := make([]time.Time, len(committed))
			copy(part[from:to+1], committed[from:to+1])
			lat := latencies(b, p.tgt, part)
			if len(lat) < (to-from)*9/10 {
				b.Fatalf("%s: only %d of %d changes measured", name, len(lat), to-from+1)
			}
			b.ReportMetric(lat[len(lat)/2], "p50_ms_"+name)
			b.ReportMetric(lat[len(lat)*99/100], "p99_ms_"+name)
		}
		phase(1)
		report("running", 1, n)
		set := func(paused bool) {
			if err := applier.Bookkeeping(p.cfg, "branch", postgres.Dialect{}).SetRouteState(context.Background(), p.tgt,
				fsql.RouteState{Route: applier.RouteName(p.cfg.Routes[0]), Paused: paused, By: "bench"}); err != nil {
				b.Fatal(err)
			}
		}
		set(true)
		time.Sleep(3 * time.Second)
		phase(n + 1)
		report("paused", n+1, 2*n)
		set(false)
	}
}
