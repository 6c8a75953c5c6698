package dialecttest

import (
	stdsql "database/sql"
	"encoding/json"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// grouped is a table whose rows DeleteMatching picks by the values of
// other columns than the key.
var grouped = Table{Name: "grouped", Key: []string{"id"}, Columns: []Column{
	{Name: "id", Kind: fsql.KindInteger},
	{Name: "grp", Kind: fsql.KindInteger},
	{Name: "tag", Kind: fsql.KindText, Nullable: true},
}}

// testDeleteMatching: DeleteMatching deletes exactly the rows whose
// columns equal every value given, and every row given none; Truncate
// empties the table; both roll back with the transaction they ran in, as
// the applier's offsets do.
func testDeleteMatching(t *testing.T, s *suite) {
	db := s.h.NewDB(t)
	ctx := t.Context()
	s.h.CreateTable(t, db, grouped)
	tbl := s.describe(t, db, grouped.Name)
	all := []string{`[1, 1, "ä"]`, `[2, 1, "b"]`, `[3, 2, "ä"]`, `[4, 2, null]`}
	fill := func() {
		t.Helper()
		s.write(t, db, tbl, grouped, rowsOf(t, all...), nil)
	}
	match := func(kv ...string) map[string]json.RawMessage {
		m := map[string]json.RawMessage{}
		for i := 0; i < len(kv); i += 2 {
			m[s.d.Fold(kv[i])] = json.RawMessage(kv[i+1])
		}
		return m
	}
	steps := []struct {
		what string
		del  func(tx *stdsql.Tx) error
		left []string
	}{
		{"grp 1 and tag ä", func(tx *stdsql.Tx) error {
			return s.tgt.DeleteMatching(ctx, tx, tbl, match("grp", "1", "tag", `"ä"`))
		}, []string{all[1], all[2], all[3]}},
		{"grp 2", func(tx *stdsql.Tx) error { return s.tgt.DeleteMatching(ctx, tx, tbl, match("grp", "2")) }, []string{all[0], all[1]}},
		{"grp 3", func(tx *stdsql.Tx) error { return s.tgt.DeleteMatching(ctx, tx, tbl, match("grp", "3")) }, all},
		{"nothing to match", func(tx *stdsql.Tx) error { return s.tgt.DeleteMatching(ctx, tx, tbl, nil) }, nil},
		{"truncate", func(tx *stdsql.Tx) error { return s.tgt.Truncate(ctx, tx, tbl) }, nil},
	}
	for _, step := range steps {
		fill()
		tx := begin(t, db)
		if err := step.del(tx); err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		sameRows(t, grouped, s.read(t, db, tbl, grouped.Key), rowsOf(t, all...))
		tx = begin(t, db)
		if err := step.del(tx); err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		sameRows(t, grouped, s.read(t, db, tbl, grouped.Key), rowsOf(t, step.left...))
	}
}

// A parent and a child whose foreign key is checked at commit where the
// dialect has such keys.
var (
	lateParent = Table{Name: "late_parent", Key: []string{"id"}, Columns: []Column{{Name: "id", Kind: fsql.KindInteger}}}
	lateChild  = Table{Name: "late_child", Key: []string{"id"},
		References: []Reference{{Column: "parent_id", Table: "late_parent", To: "id", Deferred: true}},
		Columns:    []Column{{Name: "id", Kind: fsql.KindInteger}, {Name: "parent_id", Kind: fsql.KindInteger}}}
)

// testImmediate: after Immediate, a child without its parent fails at its
// own statement, as ForeignKey, even where the key is checked at commit
// otherwise (which the test shows first, where the dialect has such keys).
func testImmediate(t *testing.T, s *suite) {
	db := s.h.NewDB(t)
	ctx := t.Context()
	s.h.CreateTable(t, db, lateParent)
	s.h.CreateTable(t, db, lateChild)
	tbl := s.describe(t, db, lateChild.Name)
	cols := s.columnNames(lateChild)
	orphan := rowsOf(t, `[1, 5]`)

	tx := begin(t, db)
	if err := s.tgt.Upsert(ctx, tx, tbl, cols[:1], cols, orphan); err == nil {
		// Checked at commit: the commit refuses it.
		if err := tx.Commit(); err == nil || s.d.Classify(err) != fsql.ForeignKey {
			t.Fatalf("an orphan committed with a deferred key: %v, want a ForeignKey error", err)
		}
	} else if got := s.d.Classify(err); got != fsql.ForeignKey {
		t.Fatalf("an orphan: %v is class %d, want ForeignKey", err, got)
	}

	tx = begin(t, db)
	if err := s.tgt.Immediate(ctx, tx); err != nil {
		t.Fatal(err)
	}
	err := s.tgt.Upsert(ctx, tx, tbl, cols[:1], cols, orphan)
	if err == nil || s.d.Classify(err) != fsql.ForeignKey {
		t.Fatalf("an orphan after Immediate: %v, want a ForeignKey error at its statement", err)
	}
}

// node is a table whose rows refer to each other, with a unique code.
var node = Table{Name: "node", Key: []string{"id"}, Unique: []string{"code"},
	References: []Reference{{Column: "parent_id", Table: "node", To: "id"}},
	Columns: []Column{{Name: "id", Kind: fsql.KindInteger}, {Name: "parent_id", Kind: fsql.KindInteger, Nullable: true},
		{Name: "code", Kind: fsql.KindText, Nullable: true}}}

// testWriter: a target that writes a route's deletes and upserts in one
// statement (sql.Writer) lands rows that refer to each other together, and
// gives a new row the unique value of a row it deletes while another row
// that referred to the deleted one moves away: deleting first would break
// that reference, upserting first the unique value.
func testWriter(t *testing.T, s *suite) {
	w, ok := s.tgt.(fsql.Writer)
	if !ok {
		t.Skipf("%s writes deletes and upserts in two statements", s.d.Name())
	}
	db := s.h.NewDB(t)
	s.h.CreateTable(t, db, node)
	tbl := s.describe(t, db, node.Name)
	cols := s.columnNames(node)
	s.write(t, db, tbl, node, rowsOf(t, `[1, null, "a"]`, `[5, 1, "e"]`), nil)
	tx := begin(t, db)
	if err := w.Write(t.Context(), tx, tbl, cols[:1], cols, rowsOf(t, `[1]`, `[7]`),
		rowsOf(t, `[2, 3, "a"]`, `[3, 2, "b"]`, `[5, 2, "f"]`)); err != nil {
		t.Fatal(err)
	}
	commit(t, tx)
	sameRows(t, node, s.read(t, db, tbl, node.Key), rowsOf(t, `[2, 3, "a"]`, `[3, 2, "b"]`, `[5, 2, "f"]`))
}
