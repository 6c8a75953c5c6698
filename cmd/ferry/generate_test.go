package main

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// generated is where the golden files of `ferry migrate generate
// --catalog` live: with the SQL Server dialect's, so that the T-SQL
// grammar check (sql/grammar) parses them too.
const generated = "../../sql/sqlserver/testdata/generate"

// TestMigrateGenerateFromACatalogFile (issue 10): for a SQL Server source,
// generate writes the exact T-SQL that up would run, from a catalog file,
// connecting to nothing: the capture schema and one trigger migration for
// the tables (every kind of type, a configured composite key with an
// excluded column, names that need quoting and one that tries to inject).
func TestMigrateGenerateFromACatalogFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join("testdata", "generate", "ferry.yml")
	catalog := filepath.Join("testdata", "generate", "catalog.yml")
	out, errOut, code := ferry(t, nil, "migrate", "generate", "-c", cfg, "--catalog", catalog, "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	got := readTree(t, dir)
	want := []string{"branch/capture/00001_capture_schema.sql", "branch/capture/00002_snapshot_requests.sql", "branch/capture/00003_heartbeat.sql",
		"branch/prepare.sql", "branch/triggers/00001_capture.sql"}
	if names := slices.Sorted(mapsKeys(got)); !slices.Equal(names, want) {
		t.Fatalf("wrote %v, want %v", names, want)
	}
	for _, name := range want {
		if !strings.Contains(out, filepath.Join(dir, name)) {
			t.Errorf("output does not name %s:\n%s", name, out)
		}
	}
	triggers := got["branch/triggers/00001_capture.sql"]
	for _, s := range []string{
		"install dbo.emp", "install sales.order_lines", "install My Schema.Order Items",
		"CREATE OR ALTER TRIGGER", "[My Schema].[Order Items]", "[end]]; DROP TABLE victim; --]",
	} {
		if !strings.Contains(triggers, s) {
			t.Errorf("the trigger migration lacks %q", s)
		}
	}
	if strings.Contains(triggers, "[secret]") {
		// The excluded column is named only in the registry's list.
		t.Errorf("the trigger reads the excluded column:\n%s", triggers)
	}
	for name, text := range got {
		path := filepath.Join(generated, name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./cmd/ferry -run TestMigrateGenerateFromACatalogFile -update writes it)", err)
		}
		if string(b) != text {
			t.Errorf("%s differs from what generate wrote (review, then -update):\n%s", path, text)
		}
	}
}

// TestMigrateGenerateFromACatalogFileRefuses: what the catalog file lacks,
// or a dialect that reads none, is said plainly, and nothing connects.
func TestMigrateGenerateFromACatalogFileRefuses(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join("testdata", "generate", "ferry.yml")
	short := writeFile(t, "catalog.yml", "default_schema: dbo\ntables:\n  - {schema: dbo, name: emp, primary_key: [id], columns: [{name: id, type: int}]}\n  - {schema: dbo, name: emp, columns: []}\n")
	missing := writeFile(t, "catalog.yml", "default_schema: dbo\ntables:\n  - {schema: dbo, name: emp, primary_key: [id], columns: [{name: id, type: int}, {name: g, type: geography, nullable: true}]}\n")
	unknown := writeFile(t, "catalog.yml", "default_schema: dbo\ntabels: []\n")
	pg := writeFile(t, "ferry.yml", `sources:
  - {name: hq, dialect: postgres, dsn: "postgres://ferry@127.0.0.1:9/hq", tables: [{name: emp}]}
targets:
  - {name: branch, dialect: postgres, dsn: "postgres://ferry@127.0.0.1:9/branch"}
kafka: {brokers: ["127.0.0.1:9"]}
routes:
  - {from: hq.emp, to: branch.public.emp}
`)
	for _, c := range []struct {
		cfg, catalog string
		want         []string
	}{
		{cfg, short, []string{"catalog.yml:4: table dbo.emp: in the file twice", "catalog.yml:4: table dbo.emp: no columns"}},
		{cfg, missing, []string{"table sales.order_lines: table does not exist",
			"column g: type geography cannot be carried"}},
		{cfg, unknown, []string{"catalog.yml:2: unknown key tabels in the file (it takes default_schema, tables)"}},
		{pg, missing, []string{"dialect postgres does not read catalog files"}},
	} {
		out, errOut, code := ferry(t, nil, "migrate", "generate", "-c", c.cfg, "--catalog", c.catalog, "--dir", t.TempDir())
		if code == 0 {
			t.Errorf("%s: exit 0", c.catalog)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("output lacks %q:\n%s%s", w, out, errOut)
			}
		}
	}
}

// TestMigrateGenerateReportsEveryCatalogProblem: a catalog file's problems
// come out all at once, each with its file:line, in the file's terms (no
// Go type names): key columns the table lacks, unknown SQL Server types,
// lengths and names beyond SQL Server's limits; a file of the wrong shape
// names every unknown key and every value of the wrong kind.
func TestMigrateGenerateReportsEveryCatalogProblem(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join("testdata", "generate", "ferry.yml")
	bad := filepath.Join("testdata", "generate", "bad.yml")
	shape := writeFile(t, "shape.yml", `default_schema: dbo
tables:
  - schema: dbo
    name: emp
    primary_key: id
    colums: []
    columns:
      - {name: id, type: int, nullable: maybe, code_page: utf8}
      - [a]
    unique:
      - {name: ux, column: [id]}
`)
	syntax := writeFile(t, "syntax.yml", "default_schema: dbo\ntables: [\n")
	for _, c := range []struct {
		catalog string
		want    []string
		not     []string
	}{
		{bad, []string{
			bad + ":7: table dbo.emp primary_key: badge is not a column of the table",
			bad + ":9: table dbo.emp column id: type intt: unknown SQL Server type intt",
			bad + ":10: table dbo.emp column pay: type decimal(50,2): precision 50: SQL Server allows 1 to 38",
			bad + ":11: table dbo.emp column note: type varchar(9000): length 9000: SQL Server allows 1 to 8000",
			bad + ":12: table dbo.emp column xxxxxxxxxxxxxxxxxxxx...: its name is 129 characters long; SQL Server allows 128",
			bad + ":13: table dbo.emp column code: type nchar(max): nchar(max): SQL Server has max only for varchar, nvarchar and varbinary",
			bad + ":17: table sales.order_lines unique index ux_order_lines: line is not a column of the table",
			bad + ":18: table sales.order_lines unique index ux_empty: no columns",
			bad + ":21: table sales.order_lines column order_id: in the table twice",
		}, []string{"not supported"}},
		{shape, []string{
			shape + ":5: id is not a list",
			shape + ":6: unknown key colums in a table (it takes schema, name, columns, primary_key, unique)",
			shape + ":8: maybe is not true or false",
			shape + ":8: utf8 is not a whole number",
			shape + ":9: a list where a mapping of keys belongs",
			shape + ":11: unknown key column in a unique index",
		}, []string{"sql.", "[]string", "field"}},
		{syntax, []string{syntax + ":2: did not find expected node content"}, []string{"yaml:"}},
	} {
		out, errOut, code := ferry(t, nil, "migrate", "generate", "-c", cfg, "--catalog", c.catalog, "--dir", t.TempDir())
		if code == 0 {
			t.Errorf("%s: exit 0", c.catalog)
		}
		last := -1
		for _, w := range c.want { // in the file's line order
			i := strings.Index(errOut, w)
			if i < 0 {
				t.Errorf("output lacks %q:\n%s%s", w, out, errOut)
			} else if i < last {
				t.Errorf("%q out of line order:\n%s", w, errOut)
			}
			last = max(last, i)
		}
		for _, n := range c.not {
			if strings.Contains(errOut, n) {
				t.Errorf("output holds %q:\n%s%s", n, out, errOut)
			}
		}
	}
}

// readTree reads every file under dir, by slash-separated relative path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
