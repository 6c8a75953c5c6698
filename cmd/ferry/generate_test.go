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
		{cfg, short, []string{"table 2 (dbo.emp): in the file twice", "table 2 (dbo.emp): no columns"}},
		{cfg, missing, []string{"table sales.order_lines: table does not exist",
			"column g: type geography cannot be carried"}},
		{cfg, unknown, []string{"field tabels not found"}},
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
