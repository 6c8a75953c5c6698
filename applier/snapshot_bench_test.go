package applier_test

import (
	"bufio"
	"context"
	stdsql "database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/relay"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// benchRows is the table size of the snapshot and verify benchmarks:
// 1,000,000 unless BENCH_ROWS says.
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// preloadBig fills big with n rows of about 150 bytes that capture does not
// see, as rows from before capture, and vacuums it as an old table is.
func preloadBig(tb testing.TB, db *stdsql.DB, n int) {
	tb.Helper()
	pgtest.Exec(tb, db, `ALTER TABLE big DISABLE TRIGGER USER`,
		fmt.Sprintf(`INSERT INTO big SELECT g, 1, g * 0.01, '2024-01-01T00:00:00Z'::timestamptz + g * interval '1 second', repeat('x', 90) FROM generate_series(1, %d) g`, n),
		`ALTER TABLE big ENABLE TRIGGER USER`, `VACUUM ANALYZE big`)
}

// requestSnapshot asks for a snapshot of public.big as ferry snapshot does.
func (p *pipeline) requestSnapshot(tb testing.TB, chunk, maxRate int) int64 {
	tb.Helper()
	ctx := context.Background()
	reg, err := postgres.Dialect{}.Source().Capture().Registry(ctx, p.src, "ferry")
	if err != nil || len(reg) == 0 {
		tb.Fatalf("registry: %v", err)
	}
	ids, err := postgres.Dialect{}.Source().Requests(p.src, "ferry").Add(ctx, []fsql.SnapshotRequest{
		{TableID: reg[0].ID, Schema: "public", Table: "big", ChunkSize: chunk, MaxRate: maxRate, Estimate: -1}})
	if err != nil {
		tb.Fatal(err)
	}
	return ids[0]
}

func snapshotState(tb testing.TB, db *stdsql.DB, id int64) string {
	return pgtest.QueryValue[string](tb, db, `SELECT state FROM ferry.snapshot_request WHERE id = $1`, id)
}

// BenchmarkSnapshot: a table of benchRows rows of about 150 bytes that
// existed before capture, snapshotted from the source into the target with
// the relay and the applier running and nothing else writing; rows per
// second until the applier has applied them all, and the source's WAL
// written meanwhile as a fraction of the table's size.
//
//	go test -run '^$' -bench 'Snapshot$' -benchtime 1x -timeout 30m ./applier/
func BenchmarkSnapshot(b *testing.B) {
	chunk := 10_000
	if v, err := strconv.Atoi(os.Getenv("BENCH_CHUNK")); err == nil && v > 0 {
		chunk = v
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		n := benchRows()
		p := newPipeline(b, snapshotTable)
		preloadBig(b, p.src, n)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		reg := prometheus.NewRegistry()
		r := relay.New(p.cfg, &p.cfg.Sources[0], postgres.Dialect{}, p.src, prometheus.NewRegistry(), quiet())
		a := applier.New(p.cfg, &p.cfg.Targets[0], postgres.Dialect{}, p.tgt, reg, quiet())
		wg.Go(func() { r.Run(ctx) })
		wg.Go(func() { a.Run(ctx) })
		time.Sleep(3 * time.Second) // both running and idle
		size := pgtest.QueryValue[int64](b, p.src, `SELECT pg_table_size('big')`)
		lsn := pgtest.QueryValue[string](b, p.src, `SELECT pg_current_wal_lsn()::text`)
		b.StartTimer()
		start := time.Now()
		id := p.requestSnapshot(b, chunk, 0)
		var relayed time.Duration
		for applied(reg) < float64(n) {
			if relayed == 0 && snapshotState(b, p.src, id) == "done" {
				relayed = time.Since(start)
			}
			time.Sleep(20 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		if relayed == 0 {
			relayed = elapsed
		}
		end := pgtest.QueryValue[string](b, p.src, `SELECT pg_current_wal_lsn()::text`)
		wal := pgtest.QueryValue[int64](b, p.src, `SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint`, end, lsn)
		srcWAL, ok := databaseWAL(b, p.src, lsn, end)
		cancel()
		wg.Wait()
		if got := pgtest.QueryValue[int](b, p.tgt, `SELECT count(*) FROM big`); got != n {
			b.Fatalf("target has %d rows, want %d", got, n)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(float64(n)/relayed.Seconds(), "relayed_rows/s")
		// The cluster's WAL counts the target's writes and anyone else's;
		// the source database's share is read from the WAL itself.
		b.ReportMetric(float64(wal)/float64(size), "cluster_wal/table")
		if ok {
			b.ReportMetric(float64(srcWAL)/float64(size), "source_wal/table")
		}
		b.ReportMetric(float64(size)/float64(n), "table_bytes/row")
	}
}

// BenchmarkSnapshotSourceRate: 8 clients run single-row UPDATE
// transactions of random keys of the table as fast as they can, with the
// relay and the applier carrying them, for 20 s without a snapshot and then
// while the table is snapshotted; the rate with one as a fraction of the
// rate without. BENCH_MAX_RATE limits the snapshot (rows a second), and
// BENCH_APPLY=0 leaves the applier out: the source, Kafka and the relay on
// the machine, as where the targets are elsewhere.
//
//	go test -run '^$' -bench SnapshotSourceRate -benchtime 1x -timeout 30m ./applier/
func BenchmarkSnapshotSourceRate(b *testing.B) {
	maxRate, _ := strconv.Atoi(os.Getenv("BENCH_MAX_RATE"))
	chunk := 10_000
	if maxRate > 0 {
		chunk = max(100, min(chunk, maxRate/10)) // ten chunks a second, not one burst
	}
	for i := 0; i < b.N; i++ {
		n := benchRows()
		p := newPipeline(b, snapshotTable)
		preloadBig(b, p.src, n)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		r := relay.New(p.cfg, &p.cfg.Sources[0], postgres.Dialect{}, p.src, prometheus.NewRegistry(), quiet())
		a := applier.New(p.cfg, &p.cfg.Targets[0], postgres.Dialect{}, p.tgt, prometheus.NewRegistry(), quiet())
		wg.Go(func() { r.Run(ctx) })
		if os.Getenv("BENCH_APPLY") != "0" {
			wg.Go(func() { a.Run(ctx) })
		}
		time.Sleep(3 * time.Second)

		var count atomic.Int64
		lctx, stopLoad := context.WithCancel(ctx)
		var lwg sync.WaitGroup
		for range 8 {
			lwg.Go(func() {
				for lctx.Err() == nil {
					if _, err := p.src.ExecContext(lctx, `UPDATE big SET ver = ver + 1 WHERE id = $1`, rand.IntN(n)+1); err == nil {
						count.Add(1)
					}
				}
			})
		}
		measure := func(d time.Duration, until func() bool) float64 {
			start, from := time.Now(), count.Load()
			for time.Since(start) < d && !until() {
				time.Sleep(50 * time.Millisecond)
			}
			return float64(count.Load()-from) / time.Since(start).Seconds()
		}
		time.Sleep(2 * time.Second) // warm up
		without := measure(20*time.Second, func() bool { return false })
		id := p.requestSnapshot(b, chunk, maxRate)
		time.Sleep(time.Second) // the snapshot under way
		with := measure(20*time.Second, func() bool { return snapshotState(b, p.src, id) == "done" })
		done := snapshotState(b, p.src, id)
		rows := pgtest.QueryValue[int64](b, p.src, `SELECT rows_done FROM ferry.snapshot_request WHERE id = $1`, id)
		stopLoad()
		lwg.Wait()
		cancel()
		wg.Wait()
		b.ReportMetric(without, "txn/s_without")
		b.ReportMetric(with, "txn/s_during")
		b.ReportMetric(with/without, "ratio")
		b.Logf("snapshot at the end of the measure: %s, %d rows read", done, rows)
	}
}

// BenchmarkVerify: two equal tables of benchRows rows, the seconds ferry
// verify takes to compare them (connections, reads, comparison, the DLQ).
// BENCH_VERIFY_MAPPED=1 gives the route a column mapping (a rename to the
// same name), so that the rows are compared in Ferry, not hashed.
//
//	go test -run '^$' -bench 'Verify$' -benchtime 1x ./applier/
func BenchmarkVerify(b *testing.B) {
	var o options
	if os.Getenv("BENCH_VERIFY_MAPPED") != "" {
		o.route = map[string]string{"big": "    columns: {pad: pad}\n"}
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		n := benchRows()
		p := newPipelineWith(b, o, snapshotTable)
		preloadBig(b, p.src, n)
		preloadBig(b, p.tgt, n)
		ctx := context.Background()
		b.StartTimer()
		start := time.Now()
		v, err := applier.NewVerifier(ctx, p.cfg, applier.VerifyOptions{ChunkSize: 50_000})
		if err != nil {
			b.Fatal(err)
		}
		prepared := time.Since(start)
		rep, err := v.Run(ctx)
		elapsed := time.Since(start)
		b.StopTimer()
		v.Close()
		if err != nil {
			b.Fatal(err)
		}
		if r := rep.Routes[0]; r.Matched != int64(n) || rep.Unexplained() != 0 {
			b.Fatalf("equal tables: %+v", r)
		}
		b.ReportMetric(elapsed.Seconds(), "seconds")
		b.ReportMetric(prepared.Seconds(), "setup_seconds")
		b.ReportMetric(rep.Routes[0].Seconds, "compare_seconds")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
	}
}

var (
	walRecord = regexp.MustCompile(`len \(rec/tot\):\s*\d+/\s*(\d+), tx:\s*(\d+),`)
	walRel    = regexp.MustCompile(`rel \d+/(\d+)/`)
)

// databaseWAL sums the WAL records between two LSNs that touch db's
// relations, with the commit records of their transactions, by reading
// the WAL with pg_waldump (FERRY_PG_BIN, FERRY_PG_DATA). ok is false when
// it cannot be read.
func databaseWAL(tb testing.TB, db *stdsql.DB, from, to string) (int64, bool) {
	bin, data := os.Getenv("FERRY_PG_BIN"), os.Getenv("FERRY_PG_DATA")
	if bin == "" || data == "" {
		return 0, false
	}
	oid := pgtest.QueryValue[string](tb, db, `SELECT oid::text FROM pg_database WHERE datname = current_database()`)
	cmd := exec.Command(filepath.Join(bin, "pg_waldump"), "-p", filepath.Join(data, "pg_wal"), "-s", from, "-e", to)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, false
	}
	if err := cmd.Start(); err != nil {
		tb.Logf("pg_waldump: %v", err)
		return 0, false
	}
	var mine int64
	ours := map[string]bool{}
	pending := map[string]int64{} // records of transactions not known to be ours yet
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		m := walRecord.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		tx, rel := m[2], ""
		if r := walRel.FindStringSubmatch(sc.Text()); r != nil {
			rel = r[1]
		}
		switch {
		case rel == oid:
			mine += n + pending[tx]
			delete(pending, tx)
			ours[tx] = true
		case rel != "":
		case ours[tx]:
			mine += n
		case tx != "0":
			pending[tx] += n
		}
	}
	if err := cmd.Wait(); err != nil {
		tb.Logf("pg_waldump: %v (the WAL between %s and %s may be recycled)", err, from, to)
		return 0, false
	}
	return mine, true
}
