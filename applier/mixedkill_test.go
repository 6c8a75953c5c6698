package applier_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestSIGKILLTheApplierUnderSingleRowUpsertsAndDeletes: single-row
// transactions that upsert one random key and delete another, from 4
// connections, while the applier process is killed with SIGKILL again and
// again; afterwards the target equals the source (a trial reported rows
// the source had deleted left in the target after kills).
func TestSIGKILLTheApplierUnderSingleRowUpsertsAndDeletes(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, `CREATE TABLE items (id bigint PRIMARY KEY, v int NOT NULL, note text)`)
	pgtest.Exec(t, p.src, `INSERT INTO items SELECT g, 0, 'p' FROM generate_series(1, 2000) g`)
	p.spawn("relay")
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				id, id2 := 1+rand.IntN(2500), 1+rand.IntN(2500)
				tx, err := p.src.Begin()
				if err != nil {
					t.Error(err)
					return
				}
				_, err = tx.Exec(`INSERT INTO items VALUES ($1, 0, 'i') ON CONFLICT (id) DO UPDATE SET v = items.v + 1, note = $2`, id, fmt.Sprint("u", w, id2))
				if err == nil {
					_, err = tx.Exec(`DELETE FROM items WHERE id = $1`, id2)
				}
				if err != nil {
					tx.Rollback() // a deadlock between writers: nothing happened
					continue
				}
				tx.Commit()
			}
		}()
	}
	for range 8 {
		cmd, _ := p.spawn("apply")
		time.Sleep(time.Duration(1000+rand.IntN(2000)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
	}
	stopLoad()
	wg.Wait()
	p.spawn("apply")
	p.converge(3 * time.Minute)
}
