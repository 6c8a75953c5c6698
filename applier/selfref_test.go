package applier_test

import (
	stdsql "database/sql"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/dlq"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

const nodeDDL = `CREATE TABLE node (id int PRIMARY KEY, parent int REFERENCES node(id), code text NOT NULL UNIQUE, v int NOT NULL)`

// TestSelfReferencingMovesConverge: a tree in a table whose foreign key
// refers to itself, its rows on the topic's three partitions, and source
// transactions that each move a node's children to another node, delete
// it, give its unique code to a new node and put another node under the
// new one. The rows end in a cycle (and pass through a node that is its
// own parent), which can only land in one statement; every change is held
// at first, most of them behind rows that are held, deleted or changed
// later themselves.
func TestSelfReferencingMovesConverge(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, nodeDDL)
	p.run()
	pgtest.Exec(t, p.src, `INSERT INTO node VALUES (0, NULL, 'root', 0)`,
		`INSERT INTO node SELECT g, g / 2, 'c' || g, g FROM generate_series(1, 40) g`)
	for round := range 20 {
		a, b, n := 1+round, 21+round, 100+round
		pgtest.Exec(t, p.src, fmt.Sprintf(`BEGIN;
			UPDATE node SET v = v + 1 WHERE id %% 5 = %[4]d;
			UPDATE node SET parent = %[2]d WHERE parent = %[1]d;
			DELETE FROM node WHERE id = %[1]d;
			INSERT INTO node VALUES (%[3]d, %[2]d, 'c%[1]d', %[3]d);
			UPDATE node SET parent = %[3]d WHERE id = %[2]d + 1 AND id <= 40;
			COMMIT`, a, b, n, round%5))
	}
	p.convergeOn("node", "id, parent, code, v", 2*time.Minute)
	p.noDLQ()
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM ferry.apply_held`); n != 0 {
		t.Errorf("%d changes still held", n)
	}
}

// TestSelfReferencingRandomWorkloadConverges: several connections at once
// move nodes of a tree (under random nodes, under their own children to
// make cycles, under themselves), delete nodes after moving their children
// or with them, give a deleted node's unique code to another node or to a
// new one that takes its children, and insert nodes, alone or in pairs
// that refer to each other, the last two of them. The applier takes the
// changes one a batch, so that rows that refer to each other only land
// when held changes are tried together. The target ends equal to the
// source, with nothing in the DLQ.
func TestSelfReferencingRandomWorkloadConverges(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, nodeDDL)
	pgtest.Exec(t, p.src, `INSERT INTO node VALUES (0, NULL, 'root', 0)`,
		`INSERT INTO node SELECT g, g / 2, 'c' || g, g FROM generate_series(1, 60) g`)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	const workers, txs = 4, 40
	var wg sync.WaitGroup
	var committed atomic.Int64
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for i := range txs {
				if err := randomTx(p.src, rng, 61+6*(w*txs+i), 61+6*workers*txs); err == nil {
					committed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	// However the connections ended, the last rows refer to each other.
	last := 61 + 6*workers*txs
	pgtest.Exec(t, p.src, fmt.Sprintf(`INSERT INTO node VALUES (%[1]d, %[2]d, 'n%[1]d', 0), (%[2]d, %[1]d, 'n%[2]d', 0)`, last, last+1))
	t.Logf("%d of %d transactions committed; %d nodes, %d in no tree from the root", committed.Load(), workers*txs,
		pgtest.QueryValue[int](t, p.src, `SELECT count(*) FROM node`),
		pgtest.QueryValue[int](t, p.src, `SELECT count(*) FROM node WHERE id NOT IN (
			WITH RECURSIVE r AS (SELECT id FROM node WHERE id = 0 UNION SELECT n.id FROM node n JOIN r ON n.parent = r.id) SELECT id FROM r)`))
	if committed.Load() < workers*txs/4 {
		t.Fatalf("only %d transactions committed: the workload tests little", committed.Load())
	}
	// Started now, the applier takes the changes one a batch, each
	// partition's far ahead of the others' or behind them, and holds most:
	// rows that refer to each other never arrive in one batch.
	// The waits outlast the run: a change is held only for rows to come.
	p.cfg.Apply.BatchSize = 1
	p.cfg.Apply.ForeignKeyWait, p.cfg.Apply.UniqueWait = 10*time.Minute, 10*time.Minute
	p.run()
	p.convergeOn("node", "id, parent, code, v", 2*time.Minute)
	p.noDLQ()
}

// randomTx runs one transaction of one to three random changes to the
// tree, whose ids are below ids; inserts take ids from fresh on (six at
// most). It returns the error that ended it when the source refused it (a
// node another connection deleted, a deadlock), as the source's own
// application would see it.
func randomTx(db *stdsql.DB, rng *rand.Rand, fresh, ids int) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// pick is an existing node at random (one of the first after a random
	// id); root 0 only when allowed.
	pick := func(root bool) (int, error) {
		var id stdsql.NullInt64
		low := rng.IntN(ids)
		if !root {
			low = max(low, 1)
		}
		err := tx.QueryRow(`SELECT coalesce(min(id) FILTER (WHERE id >= $1), min(id) FILTER (WHERE id > 0)) FROM node`, low).Scan(&id)
		if err == nil && !id.Valid {
			err = stdsql.ErrNoRows
		}
		return int(id.Int64), err
	}
	exec := func(q string, args ...any) {
		if err == nil {
			_, err = tx.Exec(q, args...)
		}
	}
	for range 1 + rng.IntN(3) {
		var x, y int
		if y, err = pick(false); err != nil {
			return err
		}
		if x, err = pick(true); err != nil {
			return err
		}
		next := func() int { fresh++; return fresh - 1 }
		switch rng.IntN(8) {
		case 0: // under another node, perhaps itself or one below it
			exec(`UPDATE node SET parent = $1 WHERE id = $2`, x, y)
		case 1: // under one of its own children: a cycle
			exec(`UPDATE node SET parent = coalesce((SELECT min(id) FROM node WHERE parent = $1 AND id <> $1), parent) WHERE id = $1`, y)
		case 2: // deleted, its children moved first, its code given to x
			if x == y {
				continue
			}
			exec(`UPDATE node SET parent = $1 WHERE parent = $2`, x, y)
			exec(`UPDATE node SET code = code || '~' WHERE id = $1`, x)
			exec(`WITH d AS (DELETE FROM node WHERE id = $1 RETURNING code) UPDATE node SET code = d.code FROM d WHERE node.id = $2`, y, x)
		case 3: // a new node, under x
			exec(`INSERT INTO node VALUES ($1, $2, 'n' || $1, 0)`, next(), x)
		case 4: // two new nodes, each the other's parent, in one statement
			a, b := next(), next()
			exec(`INSERT INTO node VALUES ($1, $2, 'n' || $1, 0), ($2, $1, 'n' || $2, 0)`, a, b)
		case 5: // a node and its children, deleted in one statement
			exec(`DELETE FROM node WHERE id = $1 OR parent = $1`, y)
		case 6: // replaced by a new node that takes its children, then its code
			if x == y {
				continue
			}
			n := next()
			exec(`INSERT INTO node VALUES ($1, $2, 'n' || $1, 0)`, n, x)
			exec(`UPDATE node SET parent = $1 WHERE parent = $2`, n, y)
			exec(`WITH d AS (DELETE FROM node WHERE id = $1 RETURNING code) UPDATE node SET code = d.code FROM d WHERE node.id = $2`, y, n)
		default:
			exec(`UPDATE node SET v = v + 1 WHERE id % 7 = $1`, rng.IntN(7))
		}
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

// TestASelfReferencingRowThatCannotApplyGoesToTheDLQ: a row whose parent
// never comes goes to the DLQ once the wait is over, and two rows that
// refer to each other, held with it, land without it.
func TestASelfReferencingRowThatCannotApplyGoesToTheDLQ(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, nodeDDL)
	p.cfg.Apply.ForeignKeyWait = 2 * time.Second
	kafkatest.CreateTopic(t, p.topic("node"), 1, nil)
	p.produce(p.topic("node"),
		[2]string{`{"id":1}`, envelope("c", "null", `{"id":1,"parent":99,"code":"a","v":1}`)},
		[2]string{`{"id":2}`, envelope("c", "null", `{"id":2,"parent":3,"code":"b","v":2}`)},
		[2]string{`{"id":3}`, envelope("c", "null", `{"id":3,"parent":2,"code":"c","v":3}`)})
	p.run()
	entries := p.dlqEntries(1)
	if len(entries) != 1 || entries[0].Class != dlq.ClassForeignKey || string(entries[0].Key) != `{"id":1}` {
		for _, e := range entries {
			t.Errorf("DLQ entry %s %s: %s", e.Key, e.Class, e.Error)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := rows(t, p.tgt, "(SELECT id, parent FROM node)")
		if fmt.Sprint(got) == "[(2,3) (3,2)]" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("target rows %v, want the cycle 2, 3", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM ferry.apply_held`); n != 0 {
		t.Errorf("%d changes still held", n)
	}
}
