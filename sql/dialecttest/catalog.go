package dialecttest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// described has a key of two columns in another order than the columns',
// a unique column besides, and nullable columns of several kinds.
var described = Table{Name: "described", Key: []string{"b", "a"}, Unique: []string{"e"}, Columns: []Column{
	{Name: "a", Kind: fsql.KindInteger},
	{Name: "b", Kind: fsql.KindText},
	{Name: "c", Kind: fsql.KindDecimal, Precision: 12, Scale: 3, Nullable: true},
	{Name: "d", Kind: fsql.KindTimestampTZ, Nullable: true},
	{Name: "e", Kind: fsql.KindUUID, Nullable: true},
	{Name: "f", Kind: fsql.KindFloat},
}}

// testDescribe: Describe reads a table's columns in order with their kinds
// and nullability, its primary key in the key's order, and its unique
// indexes (the key's among them); a table that is not there is ErrNoTable.
func testDescribe(t *testing.T, s *suite) {
	db := s.h.NewDB(t)
	described, _ := s.narrow(t, described, nil)
	s.h.CreateTable(t, db, described)
	tbl := s.describe(t, db, described.Name)
	schema, err := s.d.DefaultSchema(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Schema != schema || tbl.Name != s.d.Fold(described.Name) {
		t.Errorf("described %s.%s, want %s.%s", tbl.Schema, tbl.Name, schema, s.d.Fold(described.Name))
	}
	var got, want []string
	for _, c := range tbl.Columns {
		got = append(got, fmt.Sprintf("%s %s null=%v", c.Name, c.Kind, c.Nullable))
	}
	for _, c := range described.Columns {
		want = append(want, fmt.Sprintf("%s %s null=%v", s.d.Fold(c.Name), c.Kind, c.Nullable))
	}
	if !slices.Equal(got, want) {
		t.Errorf("columns\n%q, want\n%q", got, want)
	}
	if key := s.fold(described.Key); !slices.Equal(tbl.PrimaryKey, key) {
		t.Errorf("primary key %q, want %q", tbl.PrimaryKey, key)
	}
	var unique []string
	for _, u := range tbl.Unique {
		unique = append(unique, fmt.Sprint(u.Columns))
	}
	slices.Sort(unique)
	if want := []string{fmt.Sprint(s.fold(described.Key)), fmt.Sprint(s.fold(described.Unique))}; !slices.Equal(unique, slices.Sorted(slices.Values(want))) {
		t.Errorf("unique indexes %q, want %q", unique, want)
	}
	if _, err := s.d.Describe(t.Context(), db, schema, s.d.Fold("no_such_table")); !errors.Is(err, fsql.ErrNoTable) {
		t.Errorf("a table that is not there: %v, want ErrNoTable", err)
	}
}

// testRegistry: the registry is empty before the capture schema exists;
// Register records what was captured (id, table, key, excluded columns,
// columns, hash) and records it again in place; Inspect finds the capture
// in force on its table; DropTriggers removes the capture and its entry,
// and changes to the table are no longer captured.
func testRegistry(t *testing.T, s *suite) {
	db := s.h.NewDB(t)
	ctx := t.Context()
	c := s.src.Capture()
	schema := s.schema(db)
	if reg, err := c.Registry(ctx, db, schema); err != nil || len(reg) != 0 {
		t.Fatalf("registry before the capture schema exists: %v %v, want nothing", reg, err)
	}
	tbl := s.capture(t, db, counter)
	described, _ := s.narrow(t, described, nil)
	s.h.CreateTable(t, db, described)
	dtbl := s.describe(t, db, described.Name)
	spec := fsql.CaptureSpec{ID: 7, Table: dtbl, Key: s.fold(described.Key), Exclude: s.fold([]string{"c", "f"})}
	s.install(t, db, spec)
	s.install(t, db, spec) // again: one entry, replaced
	reg, err := c.Registry(ctx, db, schema)
	if err != nil {
		t.Fatal(err)
	}
	if len(reg) != 2 {
		t.Fatalf("registry %+v, want 2 tables", reg)
	}
	for i, w := range []struct {
		id            int
		tbl           *fsql.Table
		key, excluded []string
	}{{1, tbl, s.fold(counter.Key), nil}, {7, dtbl, spec.Key, spec.Exclude}} {
		r := reg[i]
		if r.ID != w.id || r.Schema != w.tbl.Schema || r.Name != w.tbl.Name || r.Hash != "dialecttest" ||
			fmt.Sprint(r.Key) != fmt.Sprint(w.key) || fmt.Sprint(r.Exclude) != fmt.Sprint(w.excluded) {
			t.Errorf("entry %d: %+v, want id %d of %s by %v excluding %v", i, r, w.id, w.tbl, w.key, w.excluded)
		}
		var cols, want []string
		for _, c := range r.Columns {
			cols = append(cols, c.Name+" "+string(c.Kind))
		}
		for _, c := range w.tbl.Columns {
			want = append(want, c.Name+" "+string(c.Kind))
		}
		if !slices.Equal(cols, want) {
			t.Errorf("entry %d: columns %q, want %q", i, cols, want)
		}
		in, err := c.Inspect(ctx, db, schema, r)
		if err != nil {
			t.Fatal(err)
		}
		if in.Table == "" || len(in.Problems) != 0 {
			t.Errorf("entry %d: installed %+v, want its table and no problems", i, in)
		}
	}

	drop, err := c.DropTriggers(schema, reg[0])
	if err != nil {
		t.Fatal(err)
	}
	s.run(t, db, drop...)
	if again, err := c.DropTriggers(schema, reg[0]); err != nil {
		t.Fatal(err)
	} else {
		s.run(t, db, again...) // already gone: harmless
	}
	if after, err := c.Registry(ctx, db, schema); err != nil || len(after) != 1 || after[0].ID != 7 {
		t.Fatalf("registry after dropping id 1: %+v %v, want only id 7", after, err)
	}
	if in, err := c.Inspect(ctx, db, schema, reg[0]); err != nil || in.Table != "" {
		t.Errorf("dropped capture installed as %+v %v, want on no table", in, err)
	}
	s.exec(t, db, `INSERT INTO t (id, v) VALUES (1, 1)`)
	if b, err := s.outbox(db).Read(ctx, nil, fsql.Limit{Rows: 10}); err != nil || len(b.Rows) != 0 {
		t.Fatalf("after its capture was dropped, an insert into t wrote %v to the outbox (%v)", b, err)
	}
}

// testCatalogVersion: the target's catalog version stays while nothing
// changes and changes when a table of the list is created or dropped, gains
// a unique index or changes its columns.
func testCatalogVersion(t *testing.T, s *suite) {
	db := s.h.NewDB(t)
	ctx := t.Context()
	s.h.CreateTable(t, db, counter)
	schema, err := s.d.DefaultSchema(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	tables := []*fsql.Table{{Schema: schema, Name: s.d.Fold("t")}, {Schema: schema, Name: s.d.Fold("u")}}
	version := func() string {
		t.Helper()
		v, err := s.tgt.CatalogVersion(ctx, db, tables)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	last := version()
	if again := version(); again != last {
		t.Fatalf("the version changed from %q to %q with the catalog unchanged", last, again)
	}
	wider := Table{Name: "t", Key: counter.Key, Columns: append(slices.Clone(counter.Columns), Column{Name: "w", Kind: fsql.KindText, Nullable: true})}
	for _, step := range []struct {
		what   string
		change func()
	}{
		{"u created", func() { s.h.CreateTable(t, db, Table{Name: "u", Key: []string{"id"}, Columns: counter.Columns[:1]}) }},
		{"a unique index on t", func() { s.exec(t, db, `CREATE UNIQUE INDEX t_v ON t (v)`) }},
		{"t with a column more", func() { s.exec(t, db, `DROP TABLE t`); s.h.CreateTable(t, db, wider) }},
		{"u dropped", func() { s.exec(t, db, `DROP TABLE u`) }},
	} {
		step.change()
		v := version()
		if v == last {
			t.Errorf("%s: the version stayed %q", step.what, v)
		}
		last = v
	}
}
