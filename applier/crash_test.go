package applier_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/ferrytest"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// spawn runs `ferry <args> -c <config>` until killed or the test ends.
func (p *pipeline) spawn(args ...string) (*exec.Cmd, *ferrytest.Output) {
	p.t.Helper()
	path := filepath.Join(p.t.TempDir(), "ferry.yaml")
	if err := os.WriteFile(path, []byte(p.yaml), 0o600); err != nil {
		p.t.Fatal(err)
	}
	fp := ferrytest.Start(p.t, append(args, "-c", path, "--log-format", "text")...)
	return fp.Cmd, fp.Out
}

// audited adds a trigger to a target table that records every row it writes.
func (p *pipeline) audited(table string) {
	p.t.Helper()
	pgtest.Exec(p.t, p.tgt,
		`CREATE TABLE IF NOT EXISTS audit (tbl text, id bigint, op text)`,
		`CREATE OR REPLACE FUNCTION audit_write() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO audit VALUES (TG_TABLE_NAME, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, TG_OP);
			RETURN NULL;
		END $$`,
		fmt.Sprintf(`CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION audit_write()`, table))
}

// TestSIGKILLTheApplierAtRandomMoments: the applier process is killed with
// SIGKILL at least 20 times while 100,000+ changes flow; afterwards the
// target equals the source and an audit trigger in the target shows each
// change written exactly once.
func TestSIGKILLTheApplierAtRandomMoments(t *testing.T) {
	t.Parallel()
	p := newPipeline(t,
		`CREATE TABLE accounts (id bigint PRIMARY KEY, v int NOT NULL, note text)`,
		`CREATE TABLE events (id bigint PRIMARY KEY, v int NOT NULL, note text)`)
	for _, tb := range p.tables {
		p.audited(tb)
	}
	p.spawn("relay")

	var written atomic.Int64
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w, table := range p.tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; ctx.Err() == nil; round++ {
				base := round * 500
				for _, s := range []string{
					fmt.Sprintf(`INSERT INTO %s SELECT g, %d, 'w%d' FROM generate_series(%d, %d) g`, table, round, w, base+1, base+500),
					fmt.Sprintf(`UPDATE %s SET v = v + 1, note = note || '+' WHERE id > %d AND id %% 2 = 0`, table, base),
					fmt.Sprintf(`DELETE FROM %s WHERE id > %d AND id %% 5 = 0`, table, base),
				} {
					if _, err := p.src.Exec(s); err != nil {
						t.Error(err)
						return
					}
				}
				written.Add(500 + 250 + 100)
				time.Sleep(150 * time.Millisecond)
			}
		}()
	}
	kills := 0
	for kills < 20 || written.Load() < 100_000 {
		cmd, _ := p.spawn("apply")
		time.Sleep(time.Duration(500+rand.IntN(1500)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		kills++
		if written.Load() >= 100_000 && kills >= 10 {
			stopLoad()
		}
	}
	stopLoad()
	wg.Wait()
	if t.Failed() {
		return
	}
	p.spawn("apply")
	p.converge(5 * time.Minute)

	// Every change in Kafka was written to the target exactly once.
	want := map[string]int{}
	for _, tb := range p.tables {
		for _, m := range kafkatest.ReadAll(t, p.brokers, []string{p.topic(tb)}, kafkatest.WithTimeout(3*time.Minute)) {
			if m.Value != nil {
				want[fmt.Sprintf("%s|%s", tb, strings.TrimSuffix(strings.TrimPrefix(string(m.Key), `{"id":`), "}"))]++
			}
		}
	}
	got := map[string]int{}
	r, err := p.tgt.Query(`SELECT tbl, id, count(*) FROM audit GROUP BY tbl, id`)
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
		var tb string
		var id, n int
		r.Scan(&tb, &id, &n)
		got[fmt.Sprintf("%s|%d", tb, id)] = n
	}
	r.Close()
	bad := 0
	for k, n := range want {
		if got[k] != n {
			if bad < 5 {
				t.Errorf("%s: %d changes in Kafka, written %d times", k, n, got[k])
			}
			bad++
		}
	}
	if len(got) != len(want) {
		t.Errorf("audit has %d keys, Kafka %d", len(got), len(want))
	}
	t.Logf("%d kills, %d changes written at the source, %d keys audited, %d wrong", kills, written.Load(), len(got), bad)
}

// TestTwoAppliersShareTheWork: two applier processes in one group split the
// partitions; together they apply every change exactly once, through the
// rebalances of one joining, then one being killed.
func TestTwoAppliersShareTheWork(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, `CREATE TABLE acct (id bigint PRIMARY KEY, v int NOT NULL, note text)`)
	p.audited("acct")
	p.spawn("relay")
	first, _ := p.spawn("apply")
	for i := 0; i < 30; i++ {
		pgtest.Exec(t, p.src, fmt.Sprintf(`INSERT INTO acct SELECT g, 0, '' FROM generate_series(%d, %d) g`, i*200+1, i*200+200),
			fmt.Sprintf(`UPDATE acct SET v = v + 1 WHERE id > %d`, i*200))
		switch i {
		case 5:
			p.spawn("apply") // joins: the partitions are split
		case 20:
			first.Process.Kill() // leaves: its partitions move
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.converge(2 * time.Minute)
	r, err := p.tgt.Query(`SELECT count(*) FILTER (WHERE n <> 2), count(*) FROM (SELECT id, count(*) n FROM audit GROUP BY id) s`)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Next()
	var wrong, keys int
	r.Scan(&wrong, &keys)
	if wrong != 0 || keys != 6000 {
		t.Fatalf("%d of %d keys were not written exactly twice (insert, update)", wrong, keys)
	}
}
