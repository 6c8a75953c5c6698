package applier_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// snapshotTable is the table the snapshot tests copy: about 150 bytes a
// row, and a version every write takes from one sequence, so that the
// target's audit can tell an older version applied after a newer one.
const snapshotTable = `CREATE TABLE big (id bigint PRIMARY KEY, ver bigint NOT NULL, amount numeric(12,2), at timestamptz, pad text)`

// snapshotRun is one run of the snapshot under load.
type snapshotRun struct {
	rows    int // in the table before capture
	writers int
	rate    int // writes per second per writer
	chunk   int
	kills   int // SIGKILLs of the relay during the snapshot, at least
	// converge is how long the target may take to equal the source once
	// the snapshot is done and the load has stopped.
	converge time.Duration
}

// TestSnapshotUnderLoadWithRelayKills: a table that holds rows from before
// capture is snapshotted while 8 clients update, delete and insert random
// keys of it at a steady rate, and the relay is killed with SIGKILL while
// the snapshot runs. Afterwards ferry verify finds the target equal to the
// source, and an audit trigger on the target shows that no key ever went
// back to an older version. FERRY_TEST_SNAPSHOT_MILLION=1 runs it on
// 1,000,000 rows with at least 10 kills (make bench does).
func TestSnapshotUnderLoadWithRelayKills(t *testing.T) {
	t.Parallel()
	run := snapshotRun{rows: 50_000, writers: 8, rate: 25, chunk: 250, kills: 3, converge: 2 * time.Minute}
	if os.Getenv("FERRY_TEST_SNAPSHOT_MILLION") != "" {
		run = snapshotRun{rows: 1_000_000, writers: 8, rate: 50, chunk: 2_000, kills: 10, converge: 10 * time.Minute}
	}
	p := newPipeline(t, snapshotTable)
	pgtest.Exec(t, p.src, `CREATE SEQUENCE public.ver_seq START 2`)
	pgtest.Exec(t, p.tgt,
		`CREATE TABLE public.audit_ver (seq bigserial PRIMARY KEY, id bigint, ver bigint)`,
		`CREATE FUNCTION public.audit_ver() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN INSERT INTO public.audit_ver (id, ver) VALUES (NEW.id, NEW.ver); RETURN NULL; END $$`,
		`CREATE TRIGGER audit_ver AFTER INSERT OR UPDATE ON public.big FOR EACH ROW EXECUTE FUNCTION public.audit_ver()`)
	// Rows from before capture: only the snapshot can bring them.
	pgtest.Exec(t, p.src, `ALTER TABLE big DISABLE TRIGGER USER`,
		fmt.Sprintf(`INSERT INTO big SELECT g, 1, g * 0.01, '2024-01-01T00:00:00Z'::timestamptz + g * interval '1 second', repeat('x', 90) FROM generate_series(1, %d) g`, run.rows),
		`ALTER TABLE big ENABLE TRIGGER USER`, `ANALYZE big`)
	p.spawn("apply")

	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var writes atomic.Int64
	for w := range run.writers {
		wg.Go(func() { p.write(ctx, t, w, run, &writes) })
	}
	defer func() { stopLoad(); wg.Wait() }()

	if out, code := p.ferry("snapshot", "--table", "public.big", "--chunk-size", fmt.Sprint(run.chunk)); code != 0 {
		t.Fatalf("ferry snapshot exited %d: %s", code, out)
	}
	id := pgtest.QueryValue[int64](t, p.src, `SELECT max(id) FROM ferry.snapshot_request`)
	state := func() (string, int64) {
		var s string
		var n int64
		if err := p.src.QueryRow(`SELECT state, rows_done FROM ferry.snapshot_request WHERE id = $1`, id).Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		return s, n
	}
	start := time.Now()
	kills := 0
	for kills < run.kills {
		relay, _ := p.spawn("relay")
		_, before := state()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			s, n := state()
			if s != "running" && s != "pending" {
				t.Fatalf("the snapshot ended (%s) after %d kills; it must last for %d", s, kills, run.kills)
			}
			if n > before {
				break // it is making progress: kill it mid-snapshot
			}
			if time.Now().After(deadline) {
				t.Fatalf("no snapshot progress for 2 minutes after the relay restarted (%d kills)", kills)
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
		relay.Process.Kill()
		relay.Wait()
		kills++
	}
	p.spawn("relay")
	for {
		s, n := state()
		if s == "done" {
			t.Logf("snapshot of %d rows done in %s with %d SIGKILLs of the relay, %d writes meanwhile; %d rows read",
				run.rows, time.Since(start).Round(time.Second), kills, writes.Load(), n)
			break
		}
		if s != "running" && s != "pending" {
			t.Fatalf("the snapshot ended %s", s)
		}
		if time.Since(start) > 30*time.Minute {
			t.Fatal("the snapshot did not finish in 30 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	stopLoad()
	wg.Wait()
	if t.Failed() {
		return
	}
	p.verifiedWithin(run.converge)

	// No key's version ever went down in the target.
	back := pgtest.QueryValue[int64](t, p.tgt, `SELECT count(*) FROM (
		SELECT ver < max(ver) OVER (PARTITION BY id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS back
		FROM public.audit_ver) s WHERE back`)
	audited := pgtest.QueryValue[int64](t, p.tgt, `SELECT count(DISTINCT id) FROM public.audit_ver`)
	if back != 0 {
		t.Fatalf("%d writes in the target applied an older version of a key after a newer one", back)
	}
	if audited < int64(run.rows)*9/10 {
		t.Fatalf("only %d keys were ever written to the target, of %d", audited, run.rows)
	}
}

// write is one client of the load: it owns the keys congruent to w modulo
// the writers, so that each key's versions increase in its commit order,
// and updates, deletes and inserts them at a steady rate.
func (p *pipeline) write(ctx context.Context, t *testing.T, w int, run snapshotRun, writes *atomic.Int64) {
	tick := time.NewTicker(time.Second / time.Duration(run.rate))
	defer tick.Stop()
	var deleted []int
	next := run.rows + w + 1
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		k := rand.IntN(run.rows/run.writers)*run.writers + w + 1
		var q string
		switch n := rand.IntN(10); {
		case n < 6:
			q = fmt.Sprintf(`UPDATE big SET ver = nextval('public.ver_seq'), amount = amount + 1, pad = md5(random()::text) WHERE id = %d`, k)
		case n < 8:
			q = fmt.Sprintf(`DELETE FROM big WHERE id = %d`, k)
			deleted = append(deleted, k)
		case len(deleted) > 0:
			k, deleted = deleted[0], deleted[1:]
			q = fmt.Sprintf(`INSERT INTO big VALUES (%d, nextval('public.ver_seq'), 1, now(), 'again') ON CONFLICT (id) DO UPDATE SET ver = nextval('public.ver_seq')`, k)
		default:
			q = fmt.Sprintf(`INSERT INTO big VALUES (%d, nextval('public.ver_seq'), 1, now(), 'new')`, next)
			next += run.writers
		}
		if _, err := p.src.ExecContext(ctx, q); err != nil {
			if ctx.Err() == nil {
				t.Errorf("writer %d: %v", w, err)
			}
			return
		}
		writes.Add(1)
	}
}
