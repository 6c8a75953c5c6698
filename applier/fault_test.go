package applier_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestFaultTargetRestartsMidStream restarts the database server under a
// running applier (source and target share it here) while changes flow:
// the applier retries, nothing is lost, nothing is written twice. Runs only
// in make test's fault pass (FERRY_TEST_FAULTS=1).
func TestFaultTargetRestartsMidStream(t *testing.T) {
	if os.Getenv("FERRY_TEST_FAULTS") != "1" {
		t.Skip("set FERRY_TEST_FAULTS=1 to restart the shared services (make test does, in a pass of its own)")
	}
	p := newPipeline(t, `CREATE TABLE acct (id bigint PRIMARY KEY, v int NOT NULL, note text)`)
	p.audited("acct")
	p.spawn("relay")
	p.spawn("apply")
	var written atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			_, err := p.src.Exec(fmt.Sprintf(`INSERT INTO acct SELECT g, 0, '' FROM generate_series(%d, %d) g`, i*100+1, i*100+100))
			if err != nil {
				time.Sleep(200 * time.Millisecond) // the server is restarting: not written, try again
				continue
			}
			p.src.Exec(fmt.Sprintf(`UPDATE acct SET v = v + 1 WHERE id > %d`, i*100))
			written.Add(200)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	time.Sleep(4 * time.Second)
	pgtest.Restart(t)
	time.Sleep(4 * time.Second)
	stop()
	wg.Wait()
	p.converge(3 * time.Minute)
	want := map[string]int{}
	for _, m := range kafkatest.ReadAll(t, p.brokers, []string{p.topic("acct")}) {
		if m.Value != nil {
			want[string(m.Key)]++
		}
	}
	bad := 0
	r, err := p.tgt.Query(`SELECT id, count(*) FROM audit GROUP BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
		var id, n int
		r.Scan(&id, &n)
		if want[fmt.Sprintf(`{"id":%d}`, id)] != n {
			bad++
		}
	}
	r.Close()
	if bad > 0 {
		t.Errorf("%d keys written a different number of times than they changed", bad)
	}
	t.Logf("%d changes, %d keys", written.Load(), len(want))
}
