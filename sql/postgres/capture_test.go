package postgres

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestTriggersGolden(t *testing.T) {
	t.Parallel()
	cases := map[string]fsql.CaptureSpec{
		"plain": {CaptureSchema: "ferry", ID: 1, Key: []string{"id"}, Table: &fsql.Table{
			Schema: "public", Name: "emp", PrimaryKey: []string{"id"},
			Columns: []fsql.Column{{Name: "id", Type: "integer", Kind: fsql.KindInteger}, {Name: "salary", Type: "numeric(12,2)", Kind: fsql.KindDecimal, Nullable: true}},
		}},
		"excluded": {CaptureSchema: "cdc", ID: 7, Key: []string{"a", "b"}, Exclude: []string{"ssn", "it's"}, Table: &fsql.Table{
			Schema: "hr", Name: "people",
			Columns: []fsql.Column{{Name: "a", Type: "integer"}, {Name: "b", Type: "text"}, {Name: "ssn", Type: "text"}, {Name: "it's", Type: "text"}},
		}},
		"quoted": {CaptureSchema: "ferry", ID: 3, Key: []string{"select"}, Table: &fsql.Table{
			Schema: "My Schema", Name: `x"; DROP TABLE victim; --`,
			Columns: []fsql.Column{{Name: "select", Type: "integer"}, {Name: `back\slash`, Type: "text"}},
		}},
		"partitioned": {CaptureSchema: "ferry", ID: 4, Key: []string{"id", "at"}, Table: &fsql.Table{
			Schema: "public", Name: "reading", Partitioned: true,
			Partitions: []fsql.Partition{
				{Relation: fsql.Relation{Schema: "public", Name: "reading_2024"}, Leaf: false},
				{Relation: fsql.Relation{Schema: "public", Name: "reading_2024_h1"}, Leaf: true},
				{Relation: fsql.Relation{Schema: "public", Name: "reading_2025"}, Leaf: true},
			},
			Columns: []fsql.Column{{Name: "id", Type: "integer", Kind: fsql.KindInteger}, {Name: "at", Type: "timestamp with time zone", Kind: fsql.KindTimestampTZ},
				{Name: "v", Type: "double precision", Kind: fsql.KindFloat}},
		}},
		"arrays": {CaptureSchema: "ferry", ID: 5, Key: []string{"id"}, Exclude: []string{"secret"}, Table: &fsql.Table{
			Schema: "public", Name: "grid",
			Columns: []fsql.Column{{Name: "id", Type: "integer", Kind: fsql.KindInteger}, {Name: "cells", Type: "integer[]", Kind: fsql.KindArray, Elem: fsql.KindInteger},
				{Name: "tags", Type: "text[]", Kind: fsql.KindArray, Elem: fsql.KindText}, {Name: "secret", Type: "bytea[]", Kind: fsql.KindArray, Elem: fsql.KindBinary}},
		}},
	}
	for name, spec := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			stmts, err := capture{}.Triggers(spec)
			if err != nil {
				t.Fatal(err)
			}
			reg, err := capture{}.Register(spec, "0123456789abcdef")
			if err != nil {
				t.Fatal(err)
			}
			drop, err := capture{}.DropTriggers(spec.CaptureSchema, fsql.Registered{ID: spec.ID, Schema: spec.Table.Schema, Name: spec.Table.Name})
			if err != nil {
				t.Fatal(err)
			}
			got := "-- install\n" + strings.Join(append(stmts, reg), ";\n\n") + ";\n\n-- remove\n" + strings.Join(drop, ";\n") + ";\n"
			golden(t, filepath.Join("testdata", name+".golden.sql"), got)
		})
	}
}

func TestTriggersRefuseTheBodyQuote(t *testing.T) {
	t.Parallel()
	_, err := capture{}.Triggers(fsql.CaptureSpec{CaptureSchema: "ferry", ID: 1, Table: &fsql.Table{Schema: "public", Name: "a$ferry$b"}})
	if err == nil || !strings.Contains(err.Error(), "reserves") {
		t.Fatalf("got %v, want a refusal of the name", err)
	}
}

func TestLiteral(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":    "'plain'",
		"it's":     "'it''s'",
		`a\b`:      `E'a\\b'`,
		`'\`:       `E'''\\'`,
		"nul\x00x": "'nulx'",
	} {
		if got := literal(in); got != want {
			t.Errorf("literal(%q) = %s, want %s", in, got, want)
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sql/... -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the generated SQL (review, then go test ./sql/... -update):\n%s", path, got)
	}
}
