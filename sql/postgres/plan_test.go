package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestBatchStatementsLookUpKeysByIndex: the statements that join a batch's
// keys with a target table (deletes, the upsert of a deferrable key,
// verify's read by key) find a few keys in a table of 30,000 rows through
// its key index, both as planned for the values at hand and as a generic
// plan. Planned for the 100 rows PostgreSQL assumes a JSON array holds,
// they read the whole table instead, at every batch.
func TestBatchStatementsLookUpKeysByIndex(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE TABLE plain (id bigint PRIMARY KEY, v text)`,
		`INSERT INTO plain SELECT g, 'value ' || g FROM generate_series(1, 30000) g`,
		`CREATE TABLE deferred (a int, b text, v text, PRIMARY KEY (a, b) DEFERRABLE)`,
		`INSERT INTO deferred SELECT g, 'b' || g, 'value ' || g FROM generate_series(1, 30000) g`,
		`ANALYZE plain`, `ANALYZE deferred`)
	ctx := context.Background()
	plain := &fsql.Table{Schema: "public", Name: "plain", Columns: []fsql.Column{
		{Name: "id", Kind: fsql.KindInteger, Type: "bigint"}, {Name: "v", Kind: fsql.KindText, Type: "text", Nullable: true}}}
	deferred := &fsql.Table{Schema: "public", Name: "deferred", KeyDeferrable: true, Columns: []fsql.Column{
		{Name: "a", Kind: fsql.KindInteger, Type: "integer"}, {Name: "b", Kind: fsql.KindText, Type: "text"},
		{Name: "v", Kind: fsql.KindText, Type: "text", Nullable: true}}}
	keys, err := postgres.KeysSQL(ctx, db, fsql.ReadSpec{Table: plain, Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	rows := `[{"id":7,"v":"x"},{"id":30001,"v":"y"},{"id":12,"v":"z"}]`
	ids := `[{"id":9},{"id":11},{"id":40000}]`
	for _, c := range []struct {
		name, table, sql string
		args             []string
	}{
		{"write", "plain", postgres.WriteSQL(plain, []string{"id"}, []string{"id", "v"}), []string{rows, ids}},
		{"delete", "plain", postgres.DeleteSQL(plain, []string{"id"}, 1), []string{ids}},
		{"upsert of a deferrable key", "deferred", postgres.UpsertSQL(deferred, []string{"a", "b"}, []string{"a", "b", "v"}),
			[]string{`[{"a":7,"b":"b7","v":"x"},{"a":1,"b":"new","v":"y"}]`}},
		{"write of a deferrable key", "deferred", postgres.WriteSQL(deferred, []string{"a", "b"}, []string{"a", "b", "v"}),
			[]string{`[{"a":7,"b":"b7","v":"x"}]`, `[{"a":8,"b":"b8"}]`}},
		{"verify's read by key", "plain", keys, []string{`[{"id":"7"},{"id":"8"}]`}},
	} {
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				types := strings.TrimSuffix(strings.Repeat("json, ", len(c.args)), ", ")
				literals := make([]string, len(c.args))
				for i, a := range c.args {
					literals[i] = "'" + strings.ReplaceAll(a, "'", "''") + "'"
				}
				var plan string
				for _, q := range []string{
					"BEGIN", "SET LOCAL plan_cache_mode = " + mode,
					fmt.Sprintf("PREPARE batch (%s) AS %s", types, c.sql),
				} {
					if _, err := conn.ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				defer conn.ExecContext(ctx, "ROLLBACK; DEALLOCATE batch") //nolint:errcheck // the test is over
				q := fmt.Sprintf("EXPLAIN (FORMAT JSON) EXECUTE batch (%s)", strings.Join(literals, ", "))
				if err := conn.QueryRowContext(ctx, q).Scan(&plan); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if scans := seqScans(t, plan, c.table); scans > 0 {
					t.Errorf("the plan reads all of %s (%d sequential scans):\n%s", c.table, scans, plan)
				}
			})
		}
	}
}

// seqScans counts the sequential scans of table in a plan in EXPLAIN's
// JSON form.
func seqScans(t *testing.T, plan, table string) int {
	t.Helper()
	var doc []struct{ Plan json.RawMessage }
	if err := json.Unmarshal([]byte(plan), &doc); err != nil || len(doc) == 0 {
		t.Fatalf("plan %q: %v", plan, err)
	}
	type node struct {
		Type     string `json:"Node Type"`
		Relation string `json:"Relation Name"`
		Plans    []json.RawMessage
	}
	var walk func(json.RawMessage) int
	walk = func(raw json.RawMessage) int {
		var n node
		if err := json.Unmarshal(raw, &n); err != nil {
			t.Fatal(err)
		}
		count := 0
		if n.Type == "Seq Scan" && n.Relation == table {
			count++
		}
		for _, p := range n.Plans {
			count += walk(p)
		}
		return count
	}
	return walk(doc[0].Plan)
}
