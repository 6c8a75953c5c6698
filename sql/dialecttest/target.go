package dialecttest

import (
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/ferry-cdc/ferry/applier/bookkeeping"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// read returns every row of a table in key order, as neutral images by
// lower-case column name, through the dialect's Reader.
func (s *suite) read(t *testing.T, db *stdsql.DB, tbl *fsql.Table, key []string) []map[string]json.RawMessage {
	t.Helper()
	folded := make([]string, len(key))
	for i, k := range key {
		folded[i] = s.d.Fold(k)
	}
	rd, err := s.d.Snapshot().Reader(t.Context(), db, fsql.ReadSpec{Table: tbl, Key: folded})
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := rd.Chunk(t.Context(), nil, nil, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]json.RawMessage
	for _, img := range imgs {
		out = append(out, s.neutral(t, tbl, key, img))
	}
	return out
}

// write runs one Upsert and one Delete in a transaction and commits.
func (s *suite) write(t *testing.T, db *stdsql.DB, tbl *fsql.Table, table Table, upsert [][]json.RawMessage, del [][]json.RawMessage) {
	t.Helper()
	tx := begin(t, db)
	key := s.columnNames(Table{Columns: table.Columns[:len(table.Key)]})
	if len(upsert) > 0 {
		if err := s.tgt.Upsert(t.Context(), tx, tbl, key, s.columnNames(table), upsert); err != nil {
			t.Fatal(err)
		}
	}
	if len(del) > 0 {
		if err := s.tgt.Delete(t.Context(), tx, tbl, key, del); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// sameRows compares a table's rows, read back, with neutral rows.
func sameRows(t *testing.T, table Table, got []map[string]json.RawMessage, want [][]json.RawMessage) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		sameRow(t, table, got[i], want[i])
	}
}

// testUpsertDelete: Upsert writes neutral rows of every kind exactly,
// updates rows by key, Delete removes rows by key (a key not there is no
// error), and a value the column would round is a *ValueError.
func testUpsertDelete(t *testing.T, s *suite) {
	db := s.h.NewDB(t)
	kt, rows := s.narrow(t, kinds, rowsOf(t, kindRows...))
	s.h.CreateTable(t, db, kt)
	tbl := s.describe(t, db, kt.Name)
	s.write(t, db, tbl, kt, rows, nil)
	sameRows(t, kt, s.read(t, db, tbl, kt.Key), rows)

	_, changed := s.narrow(t, kinds, rowsOf(t,
		`[1, 0, "-1.5000", 2.5e-300, false, "changed", "AA==", "2000-01-01", "00:00:00.000001", "2000-01-01T00:00:00.5", "2030-01-01T00:00:00.25+00:00", "ffffffff-ffff-ffff-ffff-ffffffffffff", null]`,
		`[4, 4, "4.0000", 4, true, "four", "BA==", "2004-04-04", "04:04:04.040404", "2004-04-04T04:04:04.040404", "2004-04-04T04:04:04.040404+00:00", "44444444-4444-4444-4444-444444444444", "four"]`))
	s.write(t, db, tbl, kt, changed, rowsOf(t, `[2]`, `[99]`))
	sameRows(t, kt, s.read(t, db, tbl, kt.Key), [][]json.RawMessage{changed[0], rows[2], changed[1]})

	tx := begin(t, db)
	err := s.tgt.Upsert(t.Context(), tx, tbl, s.columnNames(kt)[:1], s.columnNames(kt)[:3],
		rowsOf(t, `[5, 5, "1.00005"]`))
	var ve *fsql.ValueError
	if !errors.As(err, &ve) || ve.Column != s.d.Fold("c_decimal") {
		t.Fatalf("a decimal of 5 places into a column of 4: %v, want a *sql.ValueError naming c_decimal", err)
	}
}

// relations are a parent and a child that refers to it with a unique code.
var (
	parent = Table{Name: "parent", Key: []string{"id"}, Columns: []Column{{Name: "id", Kind: fsql.KindInteger}}}
	child  = Table{Name: "child", Key: []string{"id"}, Unique: []string{"code"},
		References: []Reference{{Column: "parent_id", Table: "parent", To: "id"}},
		Columns:    []Column{{Name: "id", Kind: fsql.KindInteger}, {Name: "parent_id", Kind: fsql.KindInteger}, {Name: "code", Kind: fsql.KindText}}}
)

// testClassify: real errors of the target sorted by their numbers: a
// child before its parent is ForeignKey, a unique value another row holds
// is Unique, each rescued by its savepoint; a deadlock's victim is Retry, a
// NULL in a NOT NULL column Reject, a column that is not there Schema.
func testClassify(t *testing.T, s *suite) {
	db := s.h.NewDB(t)
	ctx := t.Context()
	for _, tb := range []Table{parent, child, counter} {
		s.h.CreateTable(t, db, tb)
	}
	ptbl, ctbl := s.describe(t, db, "parent"), s.describe(t, db, "child")
	pcols, ccols := s.columnNames(parent), s.columnNames(child)
	const sp = "ferry_change"

	tx := begin(t, db)
	attempt := func(what string, tbl *fsql.Table, cols []string, row string, want fsql.ErrorClass) {
		t.Helper()
		if err := s.tgt.Savepoint(ctx, tx, sp); err != nil {
			t.Fatal(err)
		}
		err := s.tgt.Upsert(ctx, tx, tbl, cols[:1], cols, rowsOf(t, row))
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		if got := s.d.Classify(err); got != want {
			t.Errorf("%s: %v is class %d, want %d", what, err, got, want)
		}
		if err := s.tgt.RollbackTo(ctx, tx, sp); err != nil {
			t.Fatalf("%s: the savepoint does not rescue the transaction: %v", what, err)
		}
	}
	attempt("a child before its parent", ctbl, ccols, `[1, 5, "a"]`, fsql.ForeignKey)
	for _, w := range []struct {
		tbl  *fsql.Table
		cols []string
		row  string
	}{{ptbl, pcols, `[5]`}, {ctbl, ccols, `[1, 5, "a"]`}} {
		if err := s.tgt.Upsert(ctx, tx, w.tbl, w.cols[:1], w.cols, rowsOf(t, w.row)); err != nil {
			t.Fatal(err)
		}
	}
	attempt("a code another child holds", ctbl, ccols, `[2, 5, "a"]`, fsql.Unique)
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit after rescued errors: %v", err)
	}
	sameRows(t, child, s.read(t, db, ctbl, child.Key), rowsOf(t, `[1, 5, "a"]`))

	for _, c := range []struct {
		stmt string
		want fsql.ErrorClass
	}{
		{`INSERT INTO t (id) VALUES (9)`, fsql.Reject},
		{`UPDATE t SET no_such_column = 1`, fsql.Schema},
	} {
		err := s.h.Exec(ctx, db, c.stmt)
		if err == nil {
			t.Fatalf("%s: no error", c.stmt)
		}
		if got := s.d.Classify(err); got != c.want {
			t.Errorf("%s: %v is class %d, want %d", c.stmt, err, got, c.want)
		}
	}

	// A deadlock: each transaction holds one row and wants the other's.
	s.exec(t, db, `INSERT INTO t (id, v) VALUES (1, 0)`, `INSERT INTO t (id, v) VALUES (2, 0)`)
	a, b := begin(t, db), begin(t, db)
	s.exec(t, a, `UPDATE t SET v = 1 WHERE id = 1`)
	s.exec(t, b, `UPDATE t SET v = 2 WHERE id = 2`)
	errs := make(chan error, 2)
	for _, w := range []struct {
		tx *stdsql.Tx
		id int
	}{{a, 2}, {b, 1}} {
		go func() {
			err := s.h.Exec(ctx, w.tx, fmt.Sprintf(`UPDATE t SET v = 3 WHERE id = %d`, w.id))
			if err != nil {
				w.tx.Rollback() // frees the other, where the server has not
			}
			errs <- err
		}()
	}
	var failed []error
	for range 2 {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("a deadlock ended with errors %v, want one victim", failed)
	}
	if got := s.d.Classify(failed[0]); got != fsql.Retry {
		t.Errorf("the deadlock's victim: %v is class %d, want Retry (%d)", failed[0], got, fsql.Retry)
	}
}

// testSavepoint: rolling back to a savepoint undoes the changes after it
// and keeps those before, and the transaction goes on and commits.
func testSavepoint(t *testing.T, s *suite) {
	db := s.h.NewDB(t)
	ctx := t.Context()
	s.h.CreateTable(t, db, counter)
	tbl := s.describe(t, db, counter.Name)
	cols := s.columnNames(counter)
	upsert := func(tx *stdsql.Tx, row string) {
		t.Helper()
		if err := s.tgt.Upsert(ctx, tx, tbl, cols[:1], cols, rowsOf(t, row)); err != nil {
			t.Fatal(err)
		}
	}
	tx := begin(t, db)
	upsert(tx, `[1, 1]`)
	if err := s.tgt.Savepoint(ctx, tx, "ferry_change"); err != nil {
		t.Fatal(err)
	}
	upsert(tx, `[2, 2]`)
	upsert(tx, `[1, 9]`)
	if err := s.tgt.RollbackTo(ctx, tx, "ferry_change"); err != nil {
		t.Fatal(err)
	}
	upsert(tx, `[3, 3]`)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	sameRows(t, counter, s.read(t, db, tbl, counter.Key), rowsOf(t, `[1, 1]`, `[3, 3]`))
}

// testBookkeeping: the dialect's bookkeeping SQL, run by the applier's
// generic code: the tables are created (twice, harmlessly), and offsets
// written in a transaction are read back in it, kept when it commits,
// refused when stale, and forgotten when it rolls back.
func testBookkeeping(t *testing.T, s *suite) {
	db := s.h.NewDB(t)
	ctx := t.Context()
	schema := s.schema(db)
	store := bookkeeping.New(s.tgt.Bookkeeping(schema), "dialecttest")
	for range 2 {
		if err := store.Prepare(ctx, db, schema); err != nil {
			t.Fatal(err)
		}
	}
	const topic = "hq.public.emp"
	advance := func(tx *stdsql.Tx, partition int32, want, next int64, moved bool) {
		t.Helper()
		ok, err := store.AdvanceOffset(ctx, tx, topic, partition, want, next)
		if err != nil || ok != moved {
			t.Fatalf("advance %s[%d] from %d to %d: %v %v, want %v", topic, partition, want, next, ok, err, moved)
		}
	}
	offsets := func(q fsql.Querier, want map[int32]int64) {
		t.Helper()
		got, err := store.Offsets(ctx, q, topic)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("offsets %v, want %v", got, want)
		}
	}

	tx := begin(t, db)
	advance(tx, 0, -1, 10, true)
	advance(tx, 3, -1, 7, true)
	offsets(tx, map[int32]int64{0: 10, 3: 7})
	advance(tx, 0, 10, 25, true)
	advance(tx, 0, 10, 30, false) // another applier's view: stale
	offsets(tx, map[int32]int64{0: 25, 3: 7})
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	offsets(db, map[int32]int64{0: 25, 3: 7})

	tx = begin(t, db)
	advance(tx, 0, 25, 40, true)
	advance(tx, 1, -1, 1, true)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	offsets(db, map[int32]int64{0: 25, 3: 7})
	if other, err := bookkeeping.New(s.tgt.Bookkeeping(schema), "another").Offsets(ctx, db, topic); err != nil || len(other) != 0 {
		t.Errorf("another group's offsets %v %v, want none", other, err)
	}

	// A batch's moves at once: all of them, or false when one is stale,
	// whichever partition it is; a first offset among them is inserted.
	moves := func(tx *stdsql.Tx, moved bool, ms ...bookkeeping.OffsetMove) {
		t.Helper()
		ok, err := store.AdvanceOffsets(ctx, tx, ms)
		if err != nil || ok != moved {
			t.Fatalf("advance %v: %v %v, want %v", ms, ok, err, moved)
		}
	}
	move := func(partition int32, want, next int64) bookkeeping.OffsetMove {
		return bookkeeping.OffsetMove{Topic: topic, Partition: partition, Want: want, Next: next}
	}
	tx = begin(t, db)
	moves(tx, true, move(0, 25, 31), move(3, 7, 9), move(5, -1, 2))
	offsets(tx, map[int32]int64{0: 31, 3: 9, 5: 2})
	moves(tx, false, move(0, 31, 32), move(3, 8, 10), move(5, 2, 3)) // 3 is stale
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	tx = begin(t, db)
	moves(tx, false, move(0, 26, 27), move(3, 7, 8)) // 0 is stale
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	offsets(db, map[int32]int64{0: 25, 3: 7})
}
