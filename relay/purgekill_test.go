package relay_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestSIGKILLWithPurgeLosesNothing: single-row transactions that upsert
// one key and delete another, from 4 connections, while the relay is
// killed with SIGKILL again and again and purges the outbox every second;
// afterwards each key's last change in Kafka is the source's row (a trial
// found deletes missing after kills).
func TestSIGKILLWithPurgeLosesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "items", "odd")
	e.cfg.Relay.PurgeSchedule = "@every 1s"
	pgtest.Exec(t, e.db, `INSERT INTO items SELECT g, 0, 'p' FROM generate_series(1, 2000) g`, `INSERT INTO odd VALUES (50, 0, '')`)
	killWithPurge(t, e)
}

// TestSIGKILLAfterASnapshotLosesNothing: the same on a table whose rows
// came from a snapshot and a snapshot of keys (as verify --repair asks),
// both finished before the load and the kills.
func TestSIGKILLAfterASnapshotLosesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "items", "odd")
	e.cfg.Relay.PurgeSchedule = "@every 1s"
	e.preload(`INSERT INTO items SELECT g, 0, 'p' FROM generate_series(1, 2000) g`, `INSERT INTO odd VALUES (50, 0, '')`)
	p := e.spawn()
	for _, id := range []int64{e.requestSnapshot("items", 500), e.requestSnapshot("odd", 500), e.requestSnapshot("items", 500, `{"id":7}`, `{"id":2100}`)} {
		if q := e.waitSnapshot(id, 2*time.Minute); q.State != fsql.SnapshotDone {
			t.Fatalf("snapshot: %+v", q)
		}
	}
	p.kill()
	killWithPurge(t, e)
}

func killWithPurge(t *testing.T, e *env) {
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var txns atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				id, id2 := 1+rand.IntN(2500), 1+rand.IntN(2500)
				tx, err := e.db.Begin()
				if err != nil {
					t.Error(err)
					return
				}
				_, err = tx.Exec(`INSERT INTO items VALUES ($1, 0, 'i') ON CONFLICT (id) DO UPDATE SET v = items.v + 1, note = $2`, id, fmt.Sprint("u", w, id2))
				if err == nil {
					_, err = tx.Exec(`DELETE FROM items WHERE id = $1`, id2)
				}
				if err == nil {
					_, err = tx.Exec(`UPDATE odd SET v = v + 1 WHERE id = 50`)
				}
				if err != nil {
					tx.Rollback() // a deadlock between writers: nothing happened
					continue
				}
				if err := tx.Commit(); err == nil {
					txns.Add(1)
				}
			}
		}()
	}
	for kills := 0; kills < 8; kills++ {
		p := e.spawn()
		time.Sleep(time.Duration(1000+rand.IntN(2000)) * time.Millisecond)
		p.kill()
	}
	stopLoad()
	wg.Wait()
	p := e.spawn()
	defer p.stop(t)
	deadline := time.Now().Add(3 * time.Minute)
	for pgtest.QueryValue[int](t, e.db, `SELECT count(*) FROM ferry.outbox WHERE op <> 'h'`) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the outbox was not purged within 3 minutes")
		}
		time.Sleep(500 * time.Millisecond)
	}
	got := decode(t, kafkatest.ReadAll(t, e.brokers, e.topics(), kafkatest.WithTimeout(3*time.Minute)))
	last := map[string]change{}
	for _, c := range got {
		if !c.tombstone && c.topic == e.topics()[0] {
			last[c.key] = c
		}
	}
	source := map[string]string{}
	rows, err := e.db.Query(`SELECT id, v, note FROM items`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, v int
		var note string
		rows.Scan(&id, &v, &note)
		source[fmt.Sprintf(`{"id":%d}`, id)] = fmt.Sprintf("%d %q", v, note)
	}
	rows.Close()
	t.Logf("%d transactions, %d messages", txns.Load(), len(got))
	bad := 0
	for k, c := range last {
		want, ok := source[k]
		switch {
		case c.op == "d" && ok:
			t.Errorf("key %s: last change in Kafka is a delete, the source has %s", k, want)
		case c.op != "d" && !ok:
			t.Errorf("key %s: last change in Kafka is %s (seq %d), the source has no row", k, c.op, c.seq)
		case c.op != "d" && fmt.Sprintf("%s %s", c.after["v"], c.after["note"]) != want:
			t.Errorf("key %s: Kafka has %s %s, the source %s", k, c.after["v"], c.after["note"], want)
		default:
			continue
		}
		if bad++; bad > 10 {
			t.FailNow()
		}
	}
	for k, want := range source {
		if _, ok := last[k]; !ok {
			t.Errorf("key %s: the source has %s, Kafka nothing", k, want)
		}
	}
}
