package dialects

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// drivers are the database drivers and the one folder each may be
// imported from: vendor code stays under sql/<dialect>, and a test that
// needs a driver's helpers uses the dialect's own test package there
// (sql/postgres/pgtest).
var drivers = []struct{ driver, home string }{
	{"github.com/jackc/pgx", "github.com/ferry-cdc/ferry/sql/postgres"},
	{"github.com/microsoft/go-mssqldb", "github.com/ferry-cdc/ferry/sql/sqlserver"},
	{"github.com/sijms/go-ora", "github.com/ferry-cdc/ferry/sql/oracle"},
}

// TestDriversStayInTheirDialect (issue 10): no package of the module, and
// no test of one, imports a database driver outside that driver's
// dialect folder.
func TestDriversStayInTheirDialect(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports", "github.com/ferry-cdc/ferry/...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	packages, seen := 0, map[string]bool{}
	for {
		var p struct {
			ImportPath                         string
			Imports, TestImports, XTestImports []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		packages++
		for _, imp := range slices.Concat(p.Imports, p.TestImports, p.XTestImports) {
			for _, d := range drivers {
				if !within(imp, d.driver) {
					continue
				}
				seen[d.driver] = true
				if !within(p.ImportPath, d.home) {
					t.Errorf("%s imports %s: only %s and the packages under it may", p.ImportPath, imp, d.home)
				}
			}
		}
	}
	// The check looked at something: the module's packages, and each
	// driver imported where it belongs.
	if packages < 10 {
		t.Fatalf("go list gave %d packages", packages)
	}
	for _, d := range drivers {
		if !seen[d.driver] {
			t.Errorf("no package imports %s: is the list of drivers current?", d.driver)
		}
	}
}

// within says whether the import path p is dir or a package under it.
func within(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }
