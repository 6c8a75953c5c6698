package sqlserver

import (
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

func captureGolden(t *testing.T, spec fsql.CaptureSpec) string {
	t.Helper()
	c := capture{}
	stmts, err := c.Triggers(spec)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := c.Register(spec, "0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	drop, err := c.DropTriggers(spec.CaptureSchema, fsql.Registered{ID: spec.ID, Schema: spec.Table.Schema, Name: spec.Table.Name})
	if err != nil {
		t.Fatal(err)
	}
	return "-- install\n" + batches(append(stmts, reg)...) + "GO\n-- remove\n" + batches(drop...)
}

func TestTriggersGolden(t *testing.T) {
	t.Parallel()
	cases := map[string]fsql.CaptureSpec{
		"trigger_every_type.sql": {CaptureSchema: "ferry", ID: 1, Table: everyType(), Key: []string{"id"}},
		"trigger_composite.sql":  {CaptureSchema: "cdc", ID: 7, Table: composite(), Key: []string{"order_id", "line_no"}, Exclude: []string{"secret"}},
		"trigger_quoted.sql":     {CaptureSchema: "ferry", ID: 3, Table: quoted(), Key: []string{"select", "Order Date"}},
		"trigger_lob.sql":        {CaptureSchema: "ferry", ID: 4, Table: lobs(), Key: []string{"doc_id"}},
	}
	for name, spec := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			golden(t, name, captureGolden(t, spec))
		})
	}
}

func TestCaptureSchemaGolden(t *testing.T) {
	t.Parallel()
	migs, err := fsql.RenderSchema(capture{}.SchemaFiles(), ident("ferry"))
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) != 3 || migs[0].Name != "00001_capture_schema.sql" || migs[1].Name != "00002_snapshot_requests.sql" ||
		migs[2].Name != "00003_heartbeat.sql" {
		t.Fatalf("migrations = %+v", migs)
	}
	stmts := []string{capture{}.PrepareSchema("ferry")}
	for _, m := range migs {
		stmts = append(stmts, m.SQL)
	}
	golden(t, "capture_schema.sql", batches(stmts...))
}

func TestTriggerRefusals(t *testing.T) {
	t.Parallel()
	withType := func(typ string) *fsql.Table {
		return &fsql.Table{Schema: "dbo", Name: "t", Columns: []fsql.Column{col("id", "int", false, facts{}), col("x", typ, true, facts{})}}
	}
	for _, tc := range []struct {
		name string
		spec fsql.CaptureSpec
		want string
	}{
		{"no key", fsql.CaptureSpec{CaptureSchema: "ferry", ID: 1, Table: withType("int")}, "no capture key"},
		{"excluded key", fsql.CaptureSpec{CaptureSchema: "ferry", ID: 1, Table: withType("int"), Key: []string{"id"}, Exclude: []string{"id"}}, "excluded"},
		{"sql_variant", fsql.CaptureSpec{CaptureSchema: "ferry", ID: 1, Table: withType("sql_variant"), Key: []string{"id"}}, "carry their own type"},
		{"geography", fsql.CaptureSpec{CaptureSchema: "ferry", ID: 1, Table: withType("geography"), Key: []string{"id"}}, "STAsText"},
		{"hierarchyid", fsql.CaptureSpec{CaptureSchema: "ferry", ID: 1, Table: withType("hierarchyid"), Key: []string{"id"}}, "ToString"},
		{"text key", fsql.CaptureSpec{CaptureSchema: "ferry", ID: 1, Table: withType("text"), Key: []string{"x"}}, "cannot read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := capture{}.Triggers(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// TestTriggerNetChange checks the trigger's shape where a test on a server
// is not possible here: one INSERT per statement, the full outer join by
// the capture key that gives one net change per key, the op decided by
// which side has a row, and the text columns read from the table.
func TestTriggerNetChange(t *testing.T) {
	t.Parallel()
	sql, err := trigger(fsql.CaptureSpec{CaptureSchema: "ferry", ID: 9, Table: quoted(), Key: []string{"select", "Order Date"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"FULL OUTER JOIN (SELECT 1 AS [ferry_row_1], ",
		"ON i.[select] = d.[select] AND (i.[Order Date] = d.[Order Date] OR (i.[Order Date] IS NULL AND d.[Order Date] IS NULL))",
		"CASE WHEN d.[ferry_row_1] IS NULL THEN 'c' WHEN i.[ferry_row_1] IS NULL THEN 'd' ELSE 'u' END",
		"N',\"a.b\":'",
		"[end]]; EXEC xp_cmdshell 'x'; --]",
		`N',"it''s \"quoted\"":'`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("trigger lacks %q:\n%s", want, sql)
		}
	}
	if n := strings.Count(sql, "INSERT INTO"); n != 1 {
		t.Errorf("%d INSERTs, want one set-based insert per statement", n)
	}
	lob, err := trigger(fsql.CaptureSpec{CaptureSchema: "ferry", ID: 4, Table: lobs(), Key: []string{"doc_id"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lob, "LEFT JOIN [dbo].[documents] AS b ON b.[doc_id] = i.[doc_id]") ||
		strings.Contains(lob, "d.[body]") || strings.Contains(lob, "i.[body]") {
		t.Errorf("text columns must come from the table in the after image only:\n%s", lob)
	}
}

func TestOriginGuard(t *testing.T) {
	t.Parallel()
	sql, err := trigger(fsql.CaptureSpec{CaptureSchema: "ferry", ID: 1, Table: composite(), Key: []string{"order_id"}}, "hq->branch")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sql, "IF CAST(SESSION_CONTEXT(N'ferry.origin') AS nvarchar(128)) = N'hq->branch' RETURN;") {
		t.Errorf("no origin guard:\n%s", sql)
	}
	golden(t, "trigger_origin.sql", batches(sql))
}

func TestIdentAndLiteral(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{ident("dbo", "Emp"), "[dbo].[Emp]"},
		{ident("My Schema", "select"), "[My Schema].[select]"},
		{ident("a]b"), "[a]]b]"},
		{ident("x]; DROP TABLE t; --"), "[x]]; DROP TABLE t; --]"},
		{literal("it's"), "N'it''s'"},
		{literal("nul\x00x"), "N'nulx'"},
		{literal("😀"), "N'😀'"},
		{jsonName(`a"b\c</d>`), `"a\"b\\c</d>"`},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}
