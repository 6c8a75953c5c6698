package migrations_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// reserved are words of SQL and PL/pgSQL that a column may be called, and
// the names PL/pgSQL gives a trigger function.
var reserved = strings.Fields(`all and any array as asc between by case cast check collate column constraint
	create current_date current_user default desc distinct do else end except false fetch for foreign from full
	grant group having in inner into is join lateral leading left like limit natural new not null offset old on
	only or order outer primary references returning right select session_user some symmetric table then to
	trailing true union unique user using variadic when where window with
	found tg_op tg_name tg_when tg_level tg_relid tg_nargs tg_argv tg_table_name tg_table_schema tg_relname
	oid ctid xmin xmax cmin cmax tableoid ferry_new ferry_old outbox row record`)

// TestGeneratedNamesNeverCollideWithColumns (issue 7, item 1): the capture
// of a table whose columns are called like every name the generated SQL
// uses (aliases, functions, parameters, variables, keywords; read off the
// SQL itself, so that a name added later is covered too), every single
// letter and the reserved words, must never break the application's
// statements and must capture them exactly.
func TestGeneratedNamesNeverCollideWithColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := pgtest.NewDB(t)

	// Every form of generated SQL: plain, composite key, excluded columns
	// and arrays, partitioned with a sub-partitioned partition.
	pgtest.Exec(t, db,
		`CREATE TABLE public.plain (id int PRIMARY KEY, v int)`,
		`CREATE TABLE public.pair (a int, b int, v int, PRIMARY KEY (a, b))`,
		`CREATE TABLE public.wide (id int PRIMARY KEY, v float8, secret text, list int[], bin bytea, span interval)`,
		`CREATE TABLE public.parts (id int PRIMARY KEY, v int) PARTITION BY RANGE (id)`,
		`CREATE TABLE public.parts_a PARTITION OF public.parts FOR VALUES FROM (0) TO (1000) PARTITION BY RANGE (id)`,
		`CREATE TABLE public.parts_a1 PARTITION OF public.parts_a FOR VALUES FROM (0) TO (1000)`)
	seed := source(config.Table{Name: "public.plain"}, config.Table{Name: "public.pair"},
		config.Table{Name: "public.wide", Exclude: []string{"secret"}}, config.Table{Name: "public.parts"})
	plan, err := migrator(t, db, seed).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	generated := plan.Triggers.SQL
	for _, mg := range plan.Schema {
		generated += mg.SQL
	}
	names := map[string]bool{}
	for _, w := range regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`).FindAllString(generated, -1) {
		names[strings.ToLower(w)] = true
	}
	for _, w := range reserved {
		names[w] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		names[string(c)] = true
	}
	// Names a table cannot have as columns: its system columns.
	for _, sys := range []string{"oid", "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"} {
		delete(names, sys)
	}
	cols := slices.Sorted(maps.Keys(names))
	if len(cols) < 150 {
		t.Fatalf("only %d names read off the generated SQL: %v", len(cols), cols)
	}
	t.Logf("%d column names", len(cols))

	q := func(s string) string { return postgres.Dialect{}.Quote(s) }
	list := func(prefix string) string {
		var b strings.Builder
		for _, c := range cols {
			fmt.Fprintf(&b, ", %s%s int", prefix, q(c))
		}
		return b.String()
	}
	// Each table's key columns are among the names, one an alias of the
	// generated SQL ("n", "o", "i", "r"), and the table names are too.
	type variant struct {
		table, ddl string
		key        []string // named among cols, in the table's key order
		exclude    []string
		parts      []string // partitions to write through
	}
	all := list("")
	variants := []variant{
		{table: "n", key: []string{"n"}, ddl: `CREATE TABLE public.n (` + all[2:] + `, PRIMARY KEY (n))`},
		{table: "o", key: []string{"o", "i"}, ddl: `CREATE TABLE public.o (` + all[2:] + `, PRIMARY KEY (o, i))`},
		{table: "ferry_new", key: []string{"r"}, exclude: []string{"image", "select"},
			ddl: `CREATE TABLE public.ferry_new (` + all[2:] + `, arr int[], PRIMARY KEY (r))`},
		{table: "p", key: []string{"i"}, parts: []string{"p_sub", "p_leaf"},
			ddl: `CREATE TABLE public.p (` + all[2:] + `, PRIMARY KEY (i)) PARTITION BY RANGE (i);
				CREATE TABLE public.p_sub PARTITION OF public.p FOR VALUES FROM (0) TO (1000) PARTITION BY RANGE (i);
				CREATE TABLE public.p_leaf PARTITION OF public.p_sub FOR VALUES FROM (0) TO (1000)`},
	}
	var tables []config.Table
	for _, v := range variants {
		pgtest.Exec(t, db, v.ddl)
		tables = append(tables, config.Table{Schema: "public", Name: v.table, Exclude: v.exclude})
	}
	up(t, migrator(t, db, source(tables...)))

	for _, v := range variants {
		t.Run(v.table, func(t *testing.T) {
			pgtest.Exec(t, db, `DELETE FROM ferry.outbox`)
			// Every column holds its position: 1 and 2 in the two rows, the
			// key moved by 100 by the update.
			var names, one, two []string
			for _, c := range cols {
				names = append(names, q(c))
				one = append(one, "1")
				two = append(two, "2")
			}
			targets := append([]string{v.table}, v.parts...)
			for i, target := range targets {
				tbl := "public." + q(target)
				base := 10 * i
				set := func(row []string) string { // key columns: base + 1 and base + 2
					out := slices.Clone(row)
					for j, c := range cols {
						if slices.Contains(v.key, c) {
							out[j] = fmt.Sprint(base + len(row[j]) + int(row[j][0]-'1'))
						}
					}
					return strings.Join(out, ", ")
				}
				stmts := []string{
					fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s), (%s)`, tbl, strings.Join(names, ", "), set(one), set(two)),
					fmt.Sprintf(`UPDATE %s SET %s = %s + 1`, tbl, q("value"), q("value")),
					fmt.Sprintf(`UPDATE %s SET %s = %s + 100`, tbl, q(v.key[0]), q(v.key[0])),
					fmt.Sprintf(`DELETE FROM %s WHERE %s > 100`, tbl, q(v.key[0])),
				}
				if v.table == "ferry_new" {
					stmts[0] = fmt.Sprintf(`INSERT INTO %s (%s, arr) VALUES (%s, '[0:1]={7,8}'), (%s, '{9}')`, tbl, strings.Join(names, ", "), set(one), set(two))
				}
				if i == len(targets)-1 {
					stmts = append(stmts, fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s)`, tbl, strings.Join(names, ", "), set(one)), `TRUNCATE `+tbl)
				}
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range stmts {
					if _, err := conn.ExecContext(ctx, s); err != nil {
						t.Fatalf("the application's statement on %s failed under capture: %v\n%.300s", target, err, s)
					}
				}
				conn.Close()
			}
			var ops []string
			bounds := 0
			for _, r := range outbox(t, db) {
				ops = append(ops, r.Op)
				for _, img := range []map[string]json.RawMessage{r.Before, r.After} {
					if img == nil {
						continue
					}
					for _, c := range cols {
						val, ok := img[c]
						switch {
						case slices.Contains(v.exclude, c):
							if ok && string(val) != "null" {
								t.Fatalf("excluded column %s carries %s", c, val)
							}
						case !ok:
							t.Fatalf("image lacks column %q: %v", c, r.Raw)
						case c == "value" && r.Op == "c" && !slices.Contains([]string{"1", "2", "3"}, string(val)):
							t.Fatalf("column value is %s in a create", val)
						}
					}
				}
				if v.table == "ferry_new" && r.After != nil {
					switch arr := string(r.After["arr"]); arr {
					case `"[0:1]={7,8}"`:
						bounds++
					case `[9]`, `null`:
					default:
						t.Fatalf("array column arr is %s", arr)
					}
				}
			}
			// Per relation written: 2 creates, 2 updates, 2 key moves (a
			// delete and a create each), 2 deletes; then 1 create and the
			// truncate (a TRUNCATE of a partition deletes its rows).
			want := strings.Repeat("c c u u d d c c d d ", len(targets)) + "c"
			if len(v.parts) == 0 {
				want += " t"
			} else {
				want += " d"
			}
			if v.table == "ferry_new" && bounds != 3 {
				t.Errorf("the array with bounds [0:1] kept them in %d after images, want 3 (insert, update, key move)", bounds)
			}
			if got := strings.Join(ops, " "); got != want {
				t.Errorf("ops\n %s\nwant\n %s", got, want)
			}
		})
	}
}
