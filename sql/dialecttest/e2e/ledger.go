package e2e

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialecttest"
)

// Ledger describes the tests' table: a key id, a version v that the
// writers set to 0 on insert and raise by exactly one on every update (the
// audit's order, CheckVersions), text and an exact decimal, so that each
// pair carries values of several kinds between its dialects.
func Ledger(name string) dialecttest.Table {
	return dialecttest.Table{Name: name, Key: []string{"id"}, Columns: []dialecttest.Column{
		{Name: "id", Kind: fsql.KindInteger},
		{Name: "v", Kind: fsql.KindInteger},
		{Name: "note", Kind: fsql.KindText, Nullable: true},
		{Name: "amount", Kind: fsql.KindDecimal, Precision: 18, Scale: 4, Nullable: true},
	}}
}

// Versions reads a Ledger table in the source, in neutral form: each key's v.
func (p *Pipeline) Versions(table string) map[int64]int64 {
	p.t.Helper()
	out := map[int64]int64{}
	for _, row := range p.SourceRows(table) {
		var r struct {
			ID json.Number `json:"id"`
			V  json.Number `json:"v"`
		}
		if err := json.Unmarshal([]byte(row), &r); err != nil {
			p.t.Fatalf("row %s: %v", row, err)
		}
		id, err1 := r.ID.Int64()
		v, err2 := r.V.Int64()
		if err1 != nil || err2 != nil {
			p.t.Fatalf("row %s: id and v are not integers", row)
		}
		out[id] = v
	}
	return out
}

// Tx runs f in a transaction of the source and commits it, from the start
// again while the source's dialect classes the error transient (a deadlock
// between writers rolls the transaction back). It returns the error that
// ended it.
func (p *Pipeline) Tx(ctx context.Context, f func(tx *stdsql.Tx) error) error {
	for {
		err := p.tx(ctx, f)
		if err == nil || ctx.Err() != nil || p.Classify(err) != fsql.Retry {
			return err
		}
	}
}

func (p *Pipeline) tx(ctx context.Context, f func(tx *stdsql.Tx) error) error {
	tx, err := p.src.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Writer writes a Ledger table of the source as an application would: its
// own keys, from its own connection.
type Writer struct {
	p      *Pipeline
	table  string
	next   int64   // the next key to insert
	live   []int64 // keys inserted and not deleted, as far as it knows
	Keys   []int64 // every key it inserted, as far as it knows
	Writes int     // the changes its committed transactions made
}

// NewWriter returns a writer of table whose keys start at first.
func (p *Pipeline) NewWriter(table string, first int64) *Writer {
	return &Writer{p: p, table: table, next: first}
}

// Round commits one transaction that inserts n rows, updates n/2 rows
// (a row twice, possibly) and deletes one, picked by pick from the keys
// it holds. A transaction that fails is not retried unless the dialect
// classes its error transient, and the writer forgets its changes: where
// a commit's outcome may be unknown, Check learns its keys from the
// source and the audit.
func (w *Writer) Round(ctx context.Context, n int, pick func(int) int) error {
	p := w.p
	ins := p.Insert(w.table, "id", "v", "note", "amount")
	upd := p.Update(w.table, "{v} = {v} + 1, {note} = ?", "id")
	del := p.Delete(w.table, "id")
	var inserted []int64
	var deleted int64 = -1
	writes := 0
	err := p.Tx(ctx, func(tx *stdsql.Tx) error {
		inserted, deleted, writes = inserted[:0], -1, 0
		for i := range int64(n) {
			id := w.next + i
			if _, err := Exec(ctx, tx, ins, id, 0, fmt.Sprintf("w%d", id), fmt.Sprintf("%d.%04d", id%1000, id%10000)); err != nil {
				return fmt.Errorf("insert: %w", err)
			}
			inserted = append(inserted, id)
			writes++
		}
		keys := append(w.live[:len(w.live):len(w.live)], inserted...)
		for range n / 2 {
			id := keys[pick(len(keys))]
			c, err := Exec(ctx, tx, upd, "u"+strconv.Itoa(writes), id)
			if err != nil {
				return fmt.Errorf("update: %w", err)
			}
			writes += int(c)
		}
		deleted = keys[pick(len(keys))]
		c, err := Exec(ctx, tx, del, deleted)
		if err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		writes += int(c)
		return nil
	})
	w.next += int64(n)
	if err != nil {
		return err
	}
	w.Keys = append(w.Keys, inserted...)
	w.Writes += writes
	w.live = append(w.live, inserted...)
	for i, k := range w.live {
		if k == deleted {
			w.live = append(w.live[:i], w.live[i+1:]...)
			break
		}
	}
	return nil
}

// Check checks the target against what writers wrote to table: it has the
// source's rows (Converge comes first) and, in its audit, each key's
// writes exactly once and in order (CheckVersions). exact also wants as
// many writes audited as the writers' committed transactions made: not
// when a commit's outcome may be unknown.
func (p *Pipeline) Check(t testing.TB, table string, exact bool, writers ...*Writer) {
	t.Helper()
	var keys []int64
	writes := 0
	for _, w := range writers {
		if w.table == table {
			keys = append(keys, w.Keys...)
			writes += w.Writes
		}
	}
	audit, source := p.Audited(table), p.Versions(table)
	if !exact {
		// A transaction whose commit failed may have committed: its keys
		// are in the source, or in the audit if the source deleted them.
		known := map[int64]bool{}
		for _, k := range keys {
			known[k] = true
		}
		add := func(k int64) {
			if !known[k] {
				known[k] = true
				keys = append(keys, k)
			}
		}
		for k := range audit {
			add(k)
		}
		for k := range source {
			add(k)
		}
	}
	n, err := CheckVersions(audit, source, keys)
	if err != nil {
		t.Fatalf("table %s: %v", table, err)
	}
	if exact && n != writes {
		t.Fatalf("table %s: the target's audit has %d writes, the source's transactions made %d changes", table, n, writes)
	}
	if n == 0 {
		t.Fatalf("table %s: nothing was written", table)
	}
	t.Logf("table %s: %d keys, %d writes audited, each once and in order", table, len(keys), n)
}
