package dialecttest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// changeText is one captured change in a comparable form: its op and its
// neutral images, as compact JSON with sorted names ("-" for none).
func changeText(t *testing.T, r row) string {
	img := func(m map[string]json.RawMessage) string {
		if m == nil {
			return "-"
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return fmt.Sprintf("%c %s %s", r.Op, img(r.before), img(r.after))
}

// testCaptureImages: the triggers installed from a CaptureSpec write the
// images of inserts, updates, a key's change and deletes, one change per
// row of a multi-row statement, all in that statement's transaction.
func testCaptureImages(t *testing.T, s *suite) {
	db, o := s.counted(t)
	r := s.newReader(t, db, o)
	steps := []struct {
		stmt string
		want []string // in any order within the statement
	}{
		{`INSERT INTO t (id, v) VALUES (1, 10)`, []string{`c - {"id":1,"v":10}`}},
		{`INSERT INTO t (id, v) VALUES (2, 20)`, []string{`c - {"id":2,"v":20}`}},
		{`INSERT INTO t (id, v) SELECT id + 10, v + 1 FROM t`, []string{`c - {"id":11,"v":11}`, `c - {"id":12,"v":21}`}},
		{`UPDATE t SET v = v + 1 WHERE id = 1`, []string{`u {"id":1,"v":10} {"id":1,"v":11}`}},
		{`UPDATE t SET v = 0 WHERE id > 10`, []string{`u {"id":11,"v":11} {"id":11,"v":0}`, `u {"id":12,"v":21} {"id":12,"v":0}`}},
		// A key's change is a delete of the old key and a create of the new
		// one (design.md, trap 5).
		{`UPDATE t SET id = 5 WHERE id = 2`, []string{`c - {"id":5,"v":20}`, `d {"id":2,"v":20} -`}},
		{`UPDATE t SET v = 7 WHERE id = 99`, nil},
		{`DELETE FROM t WHERE id = 1`, []string{`d {"id":1,"v":11} -`}},
		{`DELETE FROM t WHERE id > 10`, []string{`d {"id":11,"v":0} -`, `d {"id":12,"v":0} -`}},
	}
	for _, step := range steps {
		s.exec(t, db.DB, step.stmt)
		rows := r.drain(100)
		var got []string
		for _, x := range rows {
			got = append(got, changeText(t, x))
			if x.TableID != 1 {
				t.Errorf("%s: table id %d, want the spec's 1", step.stmt, x.TableID)
			}
			if x.TxID != rows[0].TxID {
				t.Errorf("%s: one statement's changes carry transaction ids %d and %d", step.stmt, rows[0].TxID, x.TxID)
			}
		}
		slices.Sort(got)
		if want := slices.Sorted(slices.Values(step.want)); !slices.Equal(got, want) {
			t.Errorf("%s:\ngot  %q\nwant %q", step.stmt, got, want)
		}
	}
}

// testCaptureValues: the images of a row of each kind, turned into neutral
// forms by the dialect's Values, are the neutral values that were written.
// The rows are written through the dialect's own Target (as an applier
// writes them, and capture takes those changes like any other), so the
// test needs a dialect that is a target too.
func testCaptureValues(t *testing.T, s *suite) {
	tgt, ok := s.d.(fsql.TargetDialect)
	if !ok {
		t.Skipf("%s is not a target: its values are not written here", s.d.Name())
	}
	db := s.h.NewDB(t)
	kinds, want := s.narrow(t, kinds, rowsOf(t, kindRows...))
	tbl := s.capture(t, db, kinds)
	tx := begin(t, db)
	if err := tgt.Target().Upsert(t.Context(), tx, tbl, s.columnNames(kinds)[:1], s.columnNames(kinds), want); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	b, err := s.outbox(db).Read(t.Context(), nil, fsql.Limit{Rows: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Rows) != len(want) {
		t.Fatalf("%d changes for %d rows", len(b.Rows), len(want))
	}
	for _, or := range b.Rows {
		if or.Op != 'c' || or.Before != nil {
			t.Errorf("a new row's change is %c with before %s", or.Op, or.Before)
		}
		got := s.neutral(t, tbl, kinds.Key, or.After)
		sameRow(t, kinds, got, want[intOf(t, got["id"])-1])
	}
}
