package applier_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
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

// TestSIGKILLBothDaemonsAfterASnapshotAndARepair follows a trial's steps:
// a table whose rows existed before capture is snapshotted, a planted
// difference repaired, then autocommit upserts, deletes and updates of two
// tables run while the relay and the applier are each killed with SIGKILL
// three times, with purges every 5 s; afterwards verify finds nothing.
func TestSIGKILLBothDaemonsAfterASnapshotAndARepair(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, `CREATE TABLE items (id bigint PRIMARY KEY, v int NOT NULL, note text)`,
		`CREATE TABLE odd (k int PRIMARY KEY, n int)`)
	p.yaml = strings.Replace(p.yaml, `purge_schedule: "@every 1h"`, `purge_schedule: "@every 5s"`, 1)
	pgtest.Exec(t, p.src, `INSERT INTO items SELECT g, 0, 'p' FROM generate_series(1, 5000) g`,
		`INSERT INTO odd VALUES (50, 0)`, `DELETE FROM ferry.outbox`)
	pgtest.Exec(t, p.tgt, `INSERT INTO odd VALUES (50, 0)`)
	relay, _ := p.spawn("relay")
	apply, _ := p.spawn("apply")
	if out, code := p.ferry("snapshot", "--table", "public.items", "--wait"); code != 0 {
		t.Fatalf("snapshot: exit %d\n%s", code, out)
	}
	p.waitCount(`SELECT count(*) FROM items`, 5000, 2*time.Minute)
	pgtest.Exec(t, p.tgt, `DELETE FROM items WHERE id = 17`, `UPDATE items SET note = 'planted' WHERE id = 18`)
	if out, code := p.ferry("verify", "--repair"); code > 1 {
		t.Fatalf("verify --repair: exit %d\n%s", code, out)
	}
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				id, id2 := 1+rand.IntN(6000), 1+rand.IntN(6000)
				for _, s := range []string{
					fmt.Sprintf(`INSERT INTO items VALUES (%d, 1, 'i') ON CONFLICT (id) DO UPDATE SET v = items.v + 1, note = 'u%d'`, id, w),
					fmt.Sprintf(`DELETE FROM items WHERE id = %d`, id2),
					`UPDATE odd SET n = n + 1 WHERE k = 50`,
				} {
					if _, err := p.src.Exec(s); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	for i := range 6 {
		time.Sleep(time.Duration(1500+rand.IntN(2000)) * time.Millisecond)
		if i%2 == 0 {
			relay.Process.Kill()
			relay.Wait()
			time.Sleep(time.Second)
			relay, _ = p.spawn("relay")
		} else {
			apply.Process.Kill()
			apply.Wait()
			time.Sleep(time.Second)
			apply, _ = p.spawn("apply")
		}
	}
	time.Sleep(5 * time.Second)
	stopLoad()
	wg.Wait()
	p.converge(3 * time.Minute)
}
