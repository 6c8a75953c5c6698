package rule

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/config"
	fsql "github.com/ferry-cdc/ferry/sql"
)

const route = "hq.public.emp -> branch.public.staff"

func TestCheck(t *testing.T) {
	t.Parallel()
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name  string
		rules []config.Rule
		op    string
		row   map[string]any
		want  Verdict
	}{
		// The four rules real users asked for.
		{"salary above", []config.Rule{{Name: "big_salary", When: "salary > 10000"}}, "u",
			map[string]any{"salary": 12000.5}, Verdict{Reject, "big_salary"}},
		{"salary at the limit", []config.Rule{{Name: "big_salary", When: "salary > 10000"}}, "u",
			map[string]any{"salary": 10000.0}, Verdict{}},
		{"born after", []config.Rule{{Name: "minor", When: `born > date("2007-01-01")`}}, "c",
			map[string]any{"born": date(2008, 3, 1)}, Verdict{Reject, "minor"}},
		{"born on the day", []config.Rule{{Name: "minor", When: `born > date("2007-01-01")`}}, "c",
			map[string]any{"born": date(2007, 1, 1)}, Verdict{}},
		{"born before", []config.Rule{{Name: "minor", When: `born > date("2007-01-01")`}}, "c",
			map[string]any{"born": date(1990, 6, 30)}, Verdict{}},
		{"born before, with <", []config.Rule{{Name: "adult", When: `born < date("2007-01-01")`, Action: Skip}}, "c",
			map[string]any{"born": date(1990, 6, 30)}, Verdict{Skip, "adult"}},
		{"negative id", []config.Rule{{Name: "bad_id", When: "id < 0"}}, "c",
			map[string]any{"id": int64(-7)}, Verdict{Reject, "bad_id"}},
		{"zero id", []config.Rule{{Name: "bad_id", When: "id < 0"}}, "c",
			map[string]any{"id": int64(0)}, Verdict{}},
		{"incomplete, key absent", []config.Rule{{Name: "incomplete", When: "email == nil || phone == nil", Action: Hold}}, "c",
			map[string]any{"email": "a@example.com"}, Verdict{Hold, "incomplete"}},
		{"incomplete, explicit nil", []config.Rule{{Name: "incomplete", When: "email == nil || phone == nil", Action: Hold}}, "u",
			map[string]any{"email": nil, "phone": "555"}, Verdict{Hold, "incomplete"}},
		{"complete", []config.Rule{{Name: "incomplete", When: "email == nil || phone == nil", Action: Hold}}, "u",
			map[string]any{"email": "a@example.com", "phone": "555"}, Verdict{}},
		{"empty string is not nil", []config.Rule{{Name: "incomplete", When: "email == nil || phone == nil", Action: Hold}}, "u",
			map[string]any{"email": "", "phone": ""}, Verdict{}},

		{"delete skipped", []config.Rule{{Name: "no_deletes", When: `op == "d"`, Action: Skip}}, "d",
			map[string]any{"id": int64(1)}, Verdict{Skip, "no_deletes"}},
		{"update passes", []config.Rule{{Name: "no_deletes", When: `op == "d"`, Action: Skip}}, "u",
			map[string]any{"id": int64(1)}, Verdict{}},
		{"op is the operation, not a column", []config.Rule{{Name: "no_deletes", When: `op == "d"`, Action: Skip}}, "u",
			map[string]any{"op": "d"}, Verdict{}},
		{"first rule that fires decides", []config.Rule{
			{Name: "never", When: "false"},
			{Name: "first", When: "id > 0", Action: Hold},
			{Name: "second", When: "id > 0", Action: Skip},
		}, "c", map[string]any{"id": int64(1)}, Verdict{Hold, "first"}},
		{"column name with a space", []config.Rule{{Name: "x", When: `$env["first name"] == "Ann"`}}, "c",
			map[string]any{"first name": "Ann"}, Verdict{Reject, "x"}},
		{"list", []config.Rule{{Name: "tagged", When: `"vip" in tags`}}, "c",
			map[string]any{"tags": []any{"new", "vip"}}, Verdict{Reject, "tagged"}},
		{"bool", []config.Rule{{Name: "inactive", When: `!active`, Action: Skip}}, "c",
			map[string]any{"active": false}, Verdict{Skip, "inactive"}},
		{"no rules", nil, "c", map[string]any{"id": int64(1)}, Verdict{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := Compile(route, c.rules, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Check(c.op, c.row)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("Check(%q, %v) = %+v, want %+v", c.op, c.row, got, c.want)
			}
		})
	}
}

func TestNilSet(t *testing.T) {
	t.Parallel()
	var s *Set
	if v, err := s.Check("c", nil); v != (Verdict{}) || err != nil {
		t.Errorf("nil Set: Check = %+v, %v", v, err)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	_, err := Compile(route, []config.Rule{
		{Name: "ok", When: "id < 0", Line: 10},
		{Name: "syntax", When: "salary >", Line: 11},
		{Name: "not_bool", When: "1 + 2", Line: 12},
		{Name: "string", When: `op + "x"`, Line: 13},
		{Name: "action", When: "id < 0", Action: "drop", Line: 14},
		{Name: "ok", When: "id > 0", Line: 15},
		{When: "id > 0", Line: 16},
		{Name: "no_when", Line: 17},
		{Name: "typo", When: `born > dat("2007-01-01")`, Line: 18},
		{Name: "bad_date", When: `born > date("2007-13-01")`, Line: 19},
	}, nil)
	if err == nil {
		t.Fatal("no error")
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error is not joined: %v", err)
	}
	got := joined.Unwrap()
	want := []string{
		"route " + route + ": rule syntax (line 11): unexpected token EOF (1:8)\n | salary >\n | .......^",
		"route " + route + ": rule not_bool (line 12): expected bool, but got int",
		"route " + route + ": rule string (line 13): expected bool, but got string",
		"route " + route + `: rule action (line 14): unknown action "drop" (want reject, skip or hold)`,
		"route " + route + ": rule ok (line 15): name already used by the rule at line 10",
		"route " + route + ": rule at line 16: no name",
		"route " + route + ": rule no_when (line 17): no when",
		"route " + route + ": rule typo (line 18): unknown function dat",
		"route " + route + `: rule bad_date (line 19): date("2007-13-01"): invalid date 2007-13-01`,
	}
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("missing error %s", want[i])
		case i >= len(want):
			t.Errorf("unexpected error %s", got[i])
		case got[i].Error() != want[i]:
			t.Errorf("error %d\n got: %s\nwant: %s", i, got[i], want[i])
		}
	}
}

func TestRuntimeError(t *testing.T) {
	t.Parallel()
	s, err := Compile(route, []config.Rule{
		{Name: "fine", When: "id < 0", Line: 6},
		{Name: "big_salary", When: "salary > 10000", Line: 7},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		row  map[string]any
		want string
	}{
		{"string against a number", map[string]any{"id": int64(1), "salary": "lots"},
			"route " + route + ": rule big_salary (line 7): salary > 10000: invalid operation: string > int (column 8)"},
		{"NULL against a number", map[string]any{"id": int64(1), "salary": nil},
			"route " + route + ": rule big_salary (line 7): salary > 10000: invalid operation: <nil> > int (column 8); " +
				"a NULL or absent column is nil: test it first, as in x != nil && x > 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v, err := s.Check("u", c.row)
			if err == nil {
				t.Fatalf("Check = %+v, no error", v)
			}
			var ee *EvalError
			if !errors.As(err, &ee) || ee.Rule != "big_salary" || ee.Route != route {
				t.Errorf("errors.As(*EvalError) = %+v", ee)
			}
			if err.Error() != c.want {
				t.Errorf("error\n got: %s\nwant: %s", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Error("error spans lines; it must fit a DLQ header")
			}
			if v != (Verdict{}) {
				t.Errorf("verdict %+v with an error", v)
			}
		})
	}
}

func TestColumns(t *testing.T) {
	t.Parallel()
	s, err := Compile(route, []config.Rule{
		{Name: "a", When: `salary > 10000 && op != "d"`},
		{Name: "b", When: `email == nil || $env["first name"] == nil`},
		{Name: "c", When: `born > date("2007-01-01") || salary < 0`},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"born", "email", "first name", "salary"}
	if got := s.Columns(); !slices.Equal(got, want) {
		t.Errorf("Columns() = %q, want %q", got, want)
	}
}

// The rules are shared by the applier's workers.
func TestCheckConcurrent(t *testing.T) {
	t.Parallel()
	s, err := Compile(route, []config.Rule{{Name: "big", When: "salary > 10000"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan Verdict)
	for i := range 8 {
		go func() {
			v, _ := s.Check("u", map[string]any{"salary": float64(9995 + i)})
			done <- v
		}()
	}
	fired := 0
	for range 8 {
		if (<-done).Action == Reject {
			fired++
		}
	}
	if fired != 2 {
		t.Errorf("%d of 8 fired, want 2", fired)
	}
}

// The example config's rules must compile, so that copying them works.
func TestExampleRules(t *testing.T) {
	t.Parallel()
	const path = "../../ferry.example.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.ParseWithEnv(path, data, func(string) (string, bool) { return "postgres://x@y/z", true })
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range cfg.Routes {
		s, err := Compile(r.From+" -> "+r.To, r.Rules, nil)
		if err != nil {
			t.Error(err)
		}
		n += len(s.rules)
	}
	if n == 0 {
		t.Error("the example has no rules")
	}
}

// TestAColumnNamedOp: on a table with a column named op, a rule naming op
// (as an identifier or through $env) is refused at compile time, since it
// cannot say whether it means the operation or the column; rules that do
// not name it compile and run.
func TestAColumnNamedOp(t *testing.T) {
	t.Parallel()
	columns := map[string]fsql.Column{
		"id": {Name: "id", Kind: fsql.KindInteger},
		"op": {Name: "op", Kind: fsql.KindText},
	}
	for _, when := range []string{`op == "d"`, `$env["op"] == "zz"`} {
		_, err := Compile(route, []config.Rule{{Name: "r", When: when, Line: 3}}, columns)
		if err == nil || !strings.Contains(err.Error(), "rule r (line 3): op is the change's operation, and the table has a column named op too") {
			t.Errorf("%s: error %v, want the ambiguity named", when, err)
		}
	}
	s, err := Compile(route, []config.Rule{{Name: "r", When: `id < 0`}}, columns)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.Check("c", map[string]any{"id": int64(-1), "op": "x"}); err != nil || v.Rule != "r" {
		t.Errorf("Check = %v, %v; want rule r", v, err)
	}
}
