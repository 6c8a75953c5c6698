package applier_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/internal/ferrytest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// ferry runs the ferry binary to its end with the pipeline's config and
// returns what it wrote to stdout and its exit code.
func (p *pipeline) ferry(args ...string) (string, int) {
	p.t.Helper()
	path := filepath.Join(p.t.TempDir(), "ferry.yaml")
	if err := os.WriteFile(path, []byte(p.yaml), 0o600); err != nil {
		p.t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(ferrytest.Binary(p.t), append(args, "-c", path, "--log-format", "text")...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		if exit.ExitCode() > 1 {
			p.t.Fatalf("ferry %v exited %d:\n%s%s", args, exit.ExitCode(), out.String(), errOut.String())
		}
		return out.String(), exit.ExitCode()
	case err != nil:
		p.t.Fatal(err)
	}
	return out.String(), 0
}

type verifyJSON struct {
	Routes []*applier.RouteReport `json:"routes"`
}

// verify runs ferry verify --json and decodes its report.
func (p *pipeline) verify(args ...string) (*verifyJSON, int) {
	p.t.Helper()
	out, code := p.ferry(append([]string{"verify", "--json"}, args...)...)
	var rep verifyJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		p.t.Fatalf("ferry verify --json wrote no report (exit %d): %v\n%s", code, err, out)
	}
	return &rep, code
}

// verified waits until ferry verify finds nothing unexplained.
func (p *pipeline) verified(timeout time.Duration) *verifyJSON {
	p.t.Helper()
	rep, ok := p.verifiedWithin(timeout)
	if !ok {
		p.t.FailNow()
	}
	return rep
}

// verifiedWithin is verified that reports a failure and goes on.
func (p *pipeline) verifiedWithin(timeout time.Duration) (*verifyJSON, bool) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rep, code := p.verify("--recheck-after", "1s")
		if code == 0 {
			return rep, true
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(rep, "", "  ")
			p.t.Errorf("ferry verify still finds differences after %s:\n%.3000s", timeout, b)
			return rep, false
		}
		time.Sleep(time.Second)
	}
}

// TestVerifyFindsEachPlantedDifferenceAndRepairsIt: a route that renames a
// column, maps one through a lookup, and whose source excludes a column the
// target also has. Verify finds each kind of difference planted in the
// target, and only those; --repair mends them through the relay.
func TestVerifyFindsEachPlantedDifferenceAndRepairsIt(t *testing.T) {
	t.Parallel()
	p := newPipelineWith(t, options{
		table: map[string]string{"emp": "        exclude: [ssn]\n"},
		route: map[string]string{"emp": `    columns: {name: full_name, city: city_id}
    lookups:
      - {column: city, query: "SELECT code, id FROM cities"}
`},
		targetDDL: map[string]string{"emp": `CREATE TABLE emp (id int PRIMARY KEY, full_name text, salary numeric(14,4), city_id int, ssn text)`},
		targetSQL: []string{`CREATE TABLE cities (code text PRIMARY KEY, id int)`, `INSERT INTO cities VALUES ('NYC', 1), ('LON', 2)`},
	}, `CREATE TABLE emp (id int PRIMARY KEY, name text, salary numeric(12,2), city text, ssn text)`)
	p.run()
	// A cancel naming a table that is not captured is a mistake to report,
	// not a quiet "cancelled 0".
	path := filepath.Join(t.TempDir(), "ferry.yaml")
	if err := os.WriteFile(path, []byte(p.yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ferrytest.Binary(t), "snapshot", "cancel", "--table", "public.nosuch", "-c", path).CombinedOutput()
	if exit, ok := errors.AsType[*exec.ExitError](err); !ok || exit.ExitCode() != 2 || !strings.Contains(string(out), "public.nosuch matches no captured table") {
		t.Errorf("snapshot cancel of an uncaptured table: %v\n%s", err, out)
	}
	pgtest.Exec(t, p.src, `INSERT INTO emp SELECT g, 'name ' || g, g * 10.5, CASE WHEN g % 2 = 0 THEN 'NYC' ELSE 'LON' END, 'secret' FROM generate_series(1, 300) g`)
	rep := p.verified(2 * time.Minute)
	if r := rep.Routes[0]; r.Rows != 300 || r.Matched != 300 {
		t.Fatalf("equal tables: %+v", r)
	}

	// The excluded column differs everywhere: not compared.
	pgtest.Exec(t, p.tgt, `UPDATE emp SET ssn = 'target''s own'`)
	pgtest.Exec(t, p.tgt,
		`DELETE FROM emp WHERE id = 5`,                          // missing
		`INSERT INTO emp VALUES (1000, 'ghost', 1, 1, NULL)`,    // extra
		`UPDATE emp SET full_name = 'renamed' WHERE id = 7`,     // a renamed column
		`UPDATE emp SET salary = NULL WHERE id = 8`,             // NULL-ness
		`UPDATE emp SET city_id = 1 WHERE id = 9`,               // a looked-up column (LON is 2)
		`UPDATE emp SET salary = salary + 0.0001 WHERE id = 10`, // a fraction the source's scale has not
	)
	got, code := p.verify("--recheck-after", "0s")
	if code != 1 {
		t.Fatalf("verify exited %d with differences planted", code)
	}
	r := got.Routes[0]
	want := map[string]string{
		`{"id":5}`: "missing", `{"id":1000}`: "extra", `{"id":7}`: "different full_name",
		`{"id":8}`: "different salary", `{"id":9}`: "different city_id", `{"id":10}`: "different salary",
	}
	found := map[string]string{}
	for _, d := range r.Differences {
		found[compact(d.Key)] = strings.TrimSpace(d.Kind + " " + strings.Join(d.Columns, " "))
		if d.Explained != "" {
			t.Errorf("%s explained by %q", d.Key, d.Explained)
		}
	}
	if fmt.Sprint(found) != fmt.Sprint(want) {
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Fatalf("differences:\n got %v\nwant %v\n%.4000s", found, want, b)
	}
	if r.Missing != 1 || r.Extra != 1 || r.Different != 4 || r.Unexplained != 6 || r.Matched != 295 || r.Rows != 301 {
		t.Errorf("counts: %+v", r)
	}

	if _, code := p.ferry("verify", "--repair", "--recheck-after", "0s"); code != 0 {
		t.Fatalf("verify --repair exited %d", code)
	}
	if got, code := p.verify("--recheck-after", "0s"); code != 0 || got.Routes[0].Matched != 300 {
		t.Fatalf("after the repair, verify exited %d: %+v", code, got.Routes[0])
	}
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM emp WHERE id = 1000`); n != 0 {
		t.Errorf("the extra row is still in the target")
	}
}

// TestVerifyTellsJSONNullFromSQLNull: a json or jsonb column holding JSON
// null differs from one holding SQL NULL, and an array from one with other
// bounds (json[] and jsonb[] are refused at capture), both where a chunk is hashed in each database (docs, an identity route) and
// where rows are read and compared (renamed, whose route renames j); equal
// rows still match on both paths.
func TestVerifyTellsJSONNullFromSQLNull(t *testing.T) {
	t.Parallel()
	ddl := func(name, j string) string {
		return `CREATE TABLE ` + name + ` (id int PRIMARY KEY, ` + j + ` json, jb jsonb, ia int[])`
	}
	p := newPipelineWith(t, options{
		route:     map[string]string{"renamed": "    columns: {j: j2}\n"},
		targetDDL: map[string]string{"renamed": ddl("renamed", "j2")},
	}, ddl("docs", "j"), ddl("renamed", "j"))
	// The same rows in both, written directly: verify alone is under test.
	for _, tab := range p.tables {
		for _, db := range []*sql.DB{p.src, p.tgt} {
			pgtest.Exec(t, db, `INSERT INTO `+tab+` VALUES
  (1, 'null', NULL, '[0:1]={7,8}'),
  (2, NULL, 'null', '{7,8}'),
  (3, '{"a": [1, 2.50]}', '{"b": 1}', '[2:2]={9}'),
  (4, NULL, NULL, NULL)`)
		}
	}
	rep, ok := p.verify("--recheck-after", "0s")
	if ok != 0 {
		t.Fatalf("verify exited %d on equal tables: %+v", ok, rep.Routes)
	}
	for _, r := range rep.Routes {
		if r.Rows != 4 || r.Matched != 4 {
			t.Fatalf("equal tables: %+v", r)
		}
	}

	for _, tab := range p.tables {
		j := "j"
		if tab == "renamed" {
			j = "j2"
		}
		pgtest.Exec(t, p.tgt,
			`UPDATE `+tab+` SET `+j+` = NULL, ia = '{7,8}' WHERE id = 1`,
			`UPDATE `+tab+` SET jb = NULL, ia = '[0:1]={7,8}' WHERE id = 2`,
			`UPDATE `+tab+` SET `+j+` = 'null' WHERE id = 4`)
	}
	got, code := p.verify("--recheck-after", "0s")
	if code != 1 {
		t.Fatalf("verify exited %d with JSON nulls and SQL NULLs swapped", code)
	}
	for _, r := range got.Routes {
		j := "j"
		if strings.Contains(r.Route, "renamed") {
			j = "j2"
		}
		want := map[string]string{`{"id":1}`: "different ia " + j, `{"id":2}`: "different ia jb", `{"id":4}`: "different " + j}
		found := map[string]string{}
		for _, d := range r.Differences {
			found[compact(d.Key)] = d.Kind + " " + strings.Join(d.Columns, " ")
		}
		if fmt.Sprint(found) != fmt.Sprint(want) || r.Matched != 1 {
			b, _ := json.MarshalIndent(r, "", "  ")
			t.Errorf("%s: differences\n got %v\nwant %v\n%.4000s", r.Route, found, want, b)
		}
	}
}

// TestVerifyOrdersKeysAtTheEndsOfTime: keys at the edges of their types
// (the infinities, years before 1 and after 9999, NaN) are read in the
// database's order and compared in the same one, so verify finds the rows
// that differ instead of giving up on the key's order.
func TestVerifyOrdersKeysAtTheEndsOfTime(t *testing.T) {
	t.Parallel()
	tables := map[string]string{
		"by_day":     "date",
		"by_clock":   "timestamp",
		"by_instant": "timestamptz",
		"by_amount":  "numeric",
	}
	keys := map[string][]string{
		"by_day":     {"-infinity", "0044-03-15 BC", "0010-01-01 BC", "0001-01-01", "2026-11-30", "9999-12-31", "10000-01-01", "infinity"},
		"by_clock":   {"-infinity", "0044-03-15 12:00 BC", "2026-11-30 00:00:00.25", "2026-11-30 00:00:00.5", "10000-01-01 00:00", "infinity"},
		"by_instant": {"-infinity", "0044-03-15 12:00+00 BC", "2026-11-30 01:00+02", "2026-11-30 00:30+00", "10000-01-01 00:00+00", "infinity"},
		"by_amount":  {"-Infinity", "-12.5", "0", "7", "Infinity", "NaN"},
	}
	var ddl []string
	for name, typ := range tables {
		ddl = append(ddl, `CREATE TABLE `+name+` (k `+typ+` PRIMARY KEY, v text)`)
	}
	p := newPipelineWith(t, options{}, ddl...)
	// The same rows in both, written directly: verify alone is under test.
	for name, ks := range keys {
		for _, db := range []*sql.DB{p.src, p.tgt} {
			for _, k := range ks {
				pgtest.Exec(t, db, fmt.Sprintf(`INSERT INTO %s VALUES ('%s', 'same')`, name, k))
			}
		}
	}
	if rep, code := p.verify("--recheck-after", "0s"); code != 0 {
		b, _ := json.MarshalIndent(rep, "", "  ")
		t.Fatalf("verify exited %d on equal tables:\n%s", code, b)
	}
	for name := range keys {
		pgtest.Exec(t, p.tgt, `UPDATE `+name+` SET v = 'changed'`)
	}
	rep, code := p.verify("--recheck-after", "0s")
	if code != 1 {
		t.Fatalf("verify exited %d with every row changed", code)
	}
	for _, r := range rep.Routes {
		name := r.Route[strings.LastIndex(r.Route, ".")+1:]
		if r.Error != "" || r.Different != int64(len(keys[name])) || r.Matched != 0 {
			b, _ := json.MarshalIndent(r, "", "  ")
			t.Errorf("%s: want %d rows different, none matched, no error:\n%.3000s", name, len(keys[name]), b)
		}
	}
}

// TestVerifyExplainsRulesAndTheDLQ: rows a rule rejects are explained by
// their DLQ entries, rows held by a rule by the held change, and a row that
// predates capture and breaks a rule by the rule itself; nothing else
// differs, so verify exits 0.
func TestVerifyExplainsRulesAndTheDLQ(t *testing.T) {
	t.Parallel()
	p := newPipelineWith(t, options{route: map[string]string{"emp": `    rules:
      - {name: salary_cap, when: "salary != nil && salary > 10000", action: reject}
      - {name: incomplete, when: "email == nil", action: hold}
`}}, `CREATE TABLE emp (id int PRIMARY KEY, salary numeric(12,2), email text)`)
	pgtest.Exec(t, p.src, `ALTER TABLE emp DISABLE TRIGGER USER`,
		`INSERT INTO emp VALUES (100, 50000, 'old@x')`, // before capture, never in Kafka
		`ALTER TABLE emp ENABLE TRIGGER USER`)
	p.run()
	pgtest.Exec(t, p.src,
		`INSERT INTO emp VALUES (1, 5000, 'a@x')`,
		`INSERT INTO emp VALUES (2, 20000, 'b@x')`, // rejected: the DLQ
		`INSERT INTO emp VALUES (3, 5000, NULL)`,   // held
	)
	p.dlqEntries(1)
	rep := p.verified(2 * time.Minute)
	r := rep.Routes[0]
	why := map[string]string{}
	for _, d := range r.Differences {
		why[compact(d.Key)] = d.Explained
	}
	if r.Explained != 3 || r.Unexplained != 0 || r.Matched != 1 {
		t.Fatalf("report: %+v", r)
	}
	for key, want := range map[string]string{`{"id":2}`: "in the DLQ", `{"id":3}`: "held in the target", `{"id":100}`: "rule salary_cap rejects it"} {
		if !strings.HasPrefix(why[key], want) {
			t.Errorf("%s explained by %q, want %q...", key, why[key], want)
		}
	}
}

// compact is a JSON value without the indentation of the report.
func compact(v json.RawMessage) string {
	var b bytes.Buffer
	json.Compact(&b, v)
	return b.String()
}

// TestGeneratedAliasesNeverCollideWithColumns: a table whose columns are
// named like the aliases of the SQL Ferry generates to read, hash, re-read
// by key and apply (k, t, s, u, v, p, img) goes through apply, verify (its
// hashes and its re-check by key) and a snapshot of some keys.
func TestGeneratedAliasesNeverCollideWithColumns(t *testing.T) {
	t.Parallel()
	p := newPipelineWith(t, options{},
		`CREATE TABLE aliases (k int PRIMARY KEY, t int, s int, u int, v int, p int, img text, i int, r int)`)
	p.run()
	pgtest.Exec(t, p.src, `INSERT INTO aliases SELECT g, g, g, g, g, g, 'img ' || g, g, g FROM generate_series(1, 50) g`)
	if r := p.verified(2 * time.Minute).Routes[0]; r.Rows != 50 || r.Matched != 50 {
		t.Fatalf("equal tables: %+v", r)
	}

	pgtest.Exec(t, p.tgt, `UPDATE aliases SET img = 'planted' WHERE k = 5`, `DELETE FROM aliases WHERE k = 6`)
	got, code := p.verify("--recheck-after", "0s")
	found := map[string]string{}
	for _, d := range got.Routes[0].Differences {
		found[compact(d.Key)] = strings.TrimSpace(d.Kind + " " + strings.Join(d.Columns, " "))
	}
	want := map[string]string{`{"k":5}`: "different img", `{"k":6}`: "missing"}
	if code != 1 || fmt.Sprint(found) != fmt.Sprint(want) {
		t.Fatalf("verify exited %d, differences %v, want %v: %+v", code, found, want, got.Routes[0])
	}

	keys := filepath.Join(t.TempDir(), "keys.jsonl")
	if err := os.WriteFile(keys, []byte("{\"k\":5}\n{\"k\":6}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := p.ferry("snapshot", "--table", "public.aliases", "--keys", keys, "--wait"); code != 0 {
		t.Fatalf("ferry snapshot --keys exited %d:\n%s", code, out)
	}
	if r := p.verified(2 * time.Minute).Routes[0]; r.Matched != 50 {
		t.Fatalf("after the snapshot of the keys: %+v", r)
	}
	if img := pgtest.QueryValue[string](t, p.tgt, `SELECT img FROM aliases WHERE k = 5`); img != "img 5" {
		t.Errorf("k = 5 has img %q after the snapshot", img)
	}
}

// TestVerifyExplainsAPausedRoute: rows written while a route is paused wait
// in Kafka; verify says the route is paused, explains its differences by the
// pause, and --repair repairs nothing behind it but says why.
func TestVerifyExplainsAPausedRoute(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, `CREATE TABLE emp (id int PRIMARY KEY, name text)`)
	// No relay nor applier: the rows the source has stand for changes that
	// wait in Kafka behind the pause.
	pgtest.Exec(t, p.src, `INSERT INTO emp SELECT g, 'name ' || g FROM generate_series(1, 3) g`)
	if out, code := p.ferry("route", "pause", "branch.public.emp", "--reason", "reindex"); code != 0 {
		t.Fatalf("route pause exited %d: %s", code, out)
	}
	got, code := p.verify("--recheck-after", "0s")
	r := got.Routes[0]
	if code != 0 || r.Missing != 3 || r.Explained != 3 || r.Unexplained != 0 || r.Paused == nil || r.Paused.Reason != "reindex" {
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Fatalf("verify of a paused route exited %d:\n%s", code, b)
	}
	for _, d := range r.Differences {
		if !strings.Contains(d.Explained, "paused") {
			t.Errorf("%s explained by %q", d.Key, d.Explained)
		}
	}
	out, code := p.ferry("verify", "--repair", "--recheck-after", "0s")
	if code != 0 || !strings.Contains(out, "PAUSED since") || !strings.Contains(out, "repair of "+r.Route+" waits: the route is paused, so its 3 differing keys were not repaired") {
		t.Fatalf("verify --repair of a paused route exited %d:\n%s", code, out)
	}
	if strings.Contains(out, "}  UNEXPLAINED") {
		t.Errorf("verify --repair of a paused route:\n%s", out)
	}

	// Resumed, the same differences are nobody's: unexplained.
	if out, code := p.ferry("route", "resume", "branch.public.emp"); code != 0 {
		t.Fatalf("route resume exited %d: %s", code, out)
	}
	got, code = p.verify("--recheck-after", "0s")
	if r := got.Routes[0]; code != 1 || r.Unexplained != 3 || r.Paused != nil {
		t.Fatalf("verify of the resumed route exited %d: %+v", code, r)
	}
}
