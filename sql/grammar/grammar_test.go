package grammar

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenDirs are the dialects' golden files, by language.
var goldenDirs = map[Language]string{
	TSQL:  "../sqlserver/testdata",
	PLSQL: "../oracle/testdata",
}

// files returns the *.sql files under dir; none when dir does not exist.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".sql") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

func statements(t *testing.T, lang Language, path string) []Statement {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	stmts := Split(lang, string(b))
	if len(stmts) == 0 {
		t.Fatalf("%s: no statements", path)
	}
	return stmts
}

// TestGoldenFilesParse parses every statement of every dialect golden file.
func TestGoldenFilesParse(t *testing.T) {
	for lang, dir := range goldenDirs {
		paths := files(t, dir)
		t.Logf("%s: %d golden files under %s", lang, len(paths), dir)
		for _, p := range paths {
			for _, s := range statements(t, lang, p) {
				if errs := Check(lang, s.Text); len(errs) > 0 {
					t.Errorf("%s:%d: %s rejects the statement:\n  %s\n%s", p, s.Line, lang, strings.Join(errs, "\n  "), s.Text)
				}
			}
		}
	}
}

// TestValidSamplesParse keeps the check honest from the other side: sample
// statements of the shapes Ferry generates must parse.
func TestValidSamplesParse(t *testing.T) {
	for _, lang := range []Language{TSQL, PLSQL} {
		paths := files(t, filepath.Join("testdata", string(lang), "valid"))
		if len(paths) == 0 {
			t.Fatalf("no valid %s samples", lang)
		}
		for _, p := range paths {
			for _, s := range statements(t, lang, p) {
				if errs := Check(lang, s.Text); len(errs) > 0 {
					t.Errorf("%s:%d: rejected: %s", p, s.Line, strings.Join(errs, "; "))
				}
			}
		}
	}
}

// TestBrokenSamplesAreRejected proves that the check can fail: each broken
// sample holds one mistake and must be rejected.
func TestBrokenSamplesAreRejected(t *testing.T) {
	for _, lang := range []Language{TSQL, PLSQL} {
		paths := files(t, filepath.Join("testdata", string(lang), "broken"))
		if len(paths) < 5 {
			t.Fatalf("only %d broken %s samples", len(paths), lang)
		}
		for _, p := range paths {
			rejected := false
			for _, s := range statements(t, lang, p) {
				if len(Check(lang, s.Text)) > 0 {
					rejected = true
				}
			}
			if !rejected {
				t.Errorf("%s: accepted, but it is broken", p)
			}
		}
	}
}

func TestSplit(t *testing.T) {
	got := Split(TSQL, "SELECT 1\ngo\n\nSELECT 2\n  GO  \n")
	if len(got) != 2 || got[0].Text != "SELECT 1" || got[1].Text != "SELECT 2" || got[1].Line != 4 {
		t.Fatalf("Split = %+v", got)
	}
	got = Split(TSQL, "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n\n-- +goose StatementBegin\nSELECT 2;\n-- +goose StatementEnd\n")
	if len(got) != 2 || !strings.HasSuffix(got[0].Text, "SELECT 1;") || got[1].Text != "-- +goose StatementBegin\nSELECT 2;" {
		t.Fatalf("Split of a goose file = %+v", got)
	}
	got = Split(PLSQL, "BEGIN NULL; END;\n/\nSELECT 1 FROM dual\n")
	if len(got) != 2 || got[1].Line != 3 {
		t.Fatalf("Split = %+v", got)
	}
}
