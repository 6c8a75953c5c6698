package postgres_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestJSONArrayNullElementsStayJSON: written into json[] and jsonb[]
// columns, an element that is JSON null (the neutral "null", a JSON string
// of the JSON text) stays JSON null, and an SQL NULL element (null) stays
// SQL NULL, as a whole json value does (applier TestJSONNullIsNotSQLNull);
// so do the elements of an array sent in its text form.
func TestJSONArrayNullElementsStayJSON(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE docs (id int PRIMARY KEY, j json[], jb jsonb[])`)
	d := postgres.Dialect{}
	tbl, err := d.Describe(ctx, db, "public", "docs")
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]json.RawMessage
	for _, r := range []string{
		`[1, ["null", null, "{\"a\": null}", "\"null\"", "[1, null]", " 2 "], ["null", null, "{\"a\": null}", "\"null\"", "[1, null]", " 2 "]]`,
		`[2, [null], ["null"]]`,
		`[3, [], []]`,
		`[4, "{\"null\",NULL}", "{NULL,\"null\"}"]`,
		`[5, null, null]`,
		`[6, ["\"a\\\\b \\\"c\"", "{\"x\": \"}\"}"], null]`,
	} {
		var row []json.RawMessage
		if err := json.Unmarshal([]byte(r), &row); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	cols := []string{"id", "j", "jb"}
	if err := d.Target().Upsert(ctx, tx, tbl, cols[:1], cols, rows); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// Each array's text, and which of its elements are SQL NULL.
	got := pgtest.QueryValue[[]byte](t, db, `SELECT json_agg(json_build_array(id, j::text, jb::text,
		(SELECT json_agg(e IS NULL ORDER BY n) FROM unnest(j) WITH ORDINALITY u(e, n)),
		(SELECT json_agg(e IS NULL ORDER BY n) FROM unnest(jb) WITH ORDINALITY u(e, n))) ORDER BY id) FROM docs`)
	var rs []json.RawMessage
	if err := json.Unmarshal(got, &rs); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`[1, "{\"null\",NULL,\"{\\\"a\\\": null}\",\"\\\"null\\\"\",\"[1, null]\",\" 2 \"}", "{\"null\",NULL,\"{\\\"a\\\": null}\",\"\\\"null\\\"\",\"[1, null]\",2}", [false, true, false, false, false, false], [false, true, false, false, false, false]]`,
		`[2, "{NULL}", "{\"null\"}", [true], [false]]`,
		`[3, "{}", "{}", null, null]`,
		`[4, "{\"null\",NULL}", "{NULL,\"null\"}", [false, true], [true, false]]`,
		`[5, null, null, null, null]`,
		`[6, "{\"\\\"a\\\\\\\\b \\\\\\\"c\\\"\",\"{\\\"x\\\": \\\"}\\\"}\"}", null, [false, false], null]`,
	}
	var gotRows []string
	for _, r := range rs {
		gotRows = append(gotRows, string(r))
	}
	if !slices.Equal(gotRows, want) {
		t.Errorf("target rows:\n%s\nwant\n%s", gotRows, want)
	}
	// Row 6's elements are the JSON texts given, byte for byte.
	if got := pgtest.QueryValue[string](t, db, `SELECT j[1]::text || '|' || j[2]::text FROM docs WHERE id = 6`); got != `"a\\b \"c"|{"x": "}"}` {
		t.Errorf("row 6: %s", got)
	}
}
