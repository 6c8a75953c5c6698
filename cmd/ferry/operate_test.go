package main

import (
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// opsEnv is a source and a target with table emp(id, v), captured, and a
// config file with one route between them.
type opsEnv struct {
	path, prefix, srcDSN, tgtDSN, brokers string
	src, tgt                              *stdsql.DB
}

func newOpsEnv(t *testing.T, rules string) *opsEnv {
	t.Helper()
	e := &opsEnv{brokers: kafkatest.Brokers(t), prefix: kafkatest.Prefix(t), path: writeFile(t, "ferry.yaml", "")}
	e.srcDSN, e.src = pgtest.NewDB(t)
	e.tgtDSN, e.tgt = pgtest.NewDB(t)
	for _, db := range []*stdsql.DB{e.src, e.tgt} {
		pgtest.Exec(t, db, `CREATE TABLE emp (id int PRIMARY KEY, v int NOT NULL)`)
	}
	e.write(t, rules)
	if _, errOut, code := ferry(t, nil, "migrate", "up", "-c", e.path); code != 0 {
		t.Fatalf("migrate up: %s", errOut)
	}
	return e
}

// write writes the config with the route's rules.
func (e *opsEnv) write(t *testing.T, rules string) {
	t.Helper()
	text := fmt.Sprintf(`sources:
  - name: %[1]s
    dialect: postgres
    dsn: %[2]q
    tables: [{name: public.emp}]
targets:
  - name: branch
    dialect: postgres
    dsn: %[3]q
kafka:
  brokers: [%[4]s]
  topic_prefix: %[1]s
routes:
  - from: %[1]s.public.emp
    to: branch.public.emp
%[5]s
apply:
  group_id: %[1]s
relay:
  heartbeat: 200ms
`, e.prefix, e.srcDSN, e.tgtDSN, e.brokers, rules)
	if err := os.WriteFile(e.path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func waitUntil(t *testing.T, what string, ok func() bool, logs ...*process) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			var out strings.Builder
			for _, p := range logs {
				out.WriteString(p.out.String())
			}
			t.Fatalf("%s: not within 90s\n%s", what, out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestSIGHUPReloadsRules: the running applier takes a valid file's rules
// on SIGHUP; a file with a syntax error, and one whose rule cannot
// type-check against the target table, are refused with their errors, and
// the rules in force keep running.
func TestSIGHUPReloadsRules(t *testing.T) {
	t.Parallel()
	rules := func(when string) string {
		return fmt.Sprintf("    rules: [{name: big, when: %q, action: skip}]", when)
	}
	e := newOpsEnv(t, rules("v > 100"))
	path, src, tgt := e.path, e.src, e.tgt
	relay := start(t, nil, "relay", "-c", path, "--log-format", "text")
	apply := start(t, nil, "apply", "-c", path, "--log-format", "text")
	has := func(id int) func() bool {
		return func() bool { return pgtest.QueryValue[int](t, tgt, `SELECT count(*) FROM emp WHERE id = $1`, id) == 1 }
	}
	// Key order makes a later change of the same key a marker that the
	// earlier one has been dealt with.
	mark := func(id, v int) {
		t.Helper()
		pgtest.Exec(t, src, fmt.Sprintf(`INSERT INTO emp VALUES (%d, %d)`, id, v), fmt.Sprintf(`INSERT INTO emp VALUES (%d, 1)`, id+1000))
		waitUntil(t, fmt.Sprintf("row %d applied", id+1000), has(id+1000), relay, apply)
	}
	hup := func(rules, logged string) {
		t.Helper()
		e.write(t, rules)
		before := strings.Count(apply.out.String(), logged)
		apply.cmd.Process.Signal(syscall.SIGHUP)
		waitUntil(t, "the applier says "+logged, func() bool { return strings.Count(apply.out.String(), logged) > before }, apply)
	}
	mark(1, 150)
	if has(1)() {
		t.Fatal("v > 100 did not skip row 1")
	}

	hup(rules("v > 1000"), "SIGHUP: reloaded")
	mark(2, 150)
	if !has(2)() {
		t.Fatal("after the reload, v > 1000 skipped row 2 (v 150)")
	}

	hup("    rules: [{name: big, when: \"v >\", action: skip]", "SIGHUP: the config is invalid")
	hup(rules(`v > "x"`), "SIGHUP: the config is invalid")
	if out := apply.out.String(); !strings.Contains(out, "big") {
		t.Errorf("the refusals do not name the rule:\n%s", out)
	}
	mark(3, 150)
	mark(4, 2000)
	if !has(3)() || has(4)() {
		t.Errorf("after the refused files, the rule in force is not v > 1000: row 3 (v 150) applied %t, row 4 (v 2000) applied %t", has(3)(), has(4)())
	}
	for name, p := range map[string]*process{"relay": relay, "apply": apply} {
		if code := p.stop(); code != 0 {
			t.Errorf("%s exited %d:\n%s", name, code, p.out)
		}
	}
}

// statusJSON runs ferry status --json.
func statusJSON(t *testing.T, path string) (rep statusReport, code int) {
	t.Helper()
	out, errOut, code := ferry(t, nil, "status", "-c", path, "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("ferry status --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	return rep, code
}

// statusFieldNames checks the names of the nested objects of ferry status
// --json, with a relay leading and a heartbeat applied: snake_case, like
// the rest of the report.
func statusFieldNames(t *testing.T, path string) {
	t.Helper()
	out, errOut, code := ferry(t, nil, "status", "-c", path, "--json")
	var rep struct {
		Sources []struct {
			Leader map[string]any `json:"leader"`
		} `json:"sources"`
		Routes []struct {
			Partitions []struct {
				Heartbeat map[string]any `json:"heartbeat"`
			} `json:"partitions"`
		} `json:"routes"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Sources) != 1 || len(rep.Routes) != 1 || len(rep.Routes[0].Partitions) == 0 {
		t.Fatalf("ferry status --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	names := func(m map[string]any) string { return strings.Join(slices.Sorted(maps.Keys(m)), " ") }
	if got, want := names(rep.Sources[0].Leader), "application client pid since user"; got != want {
		t.Errorf("leader fields: %s, want %s", got, want)
	}
	var hb map[string]any
	for _, p := range rep.Routes[0].Partitions {
		if p.Heartbeat != nil {
			hb = p.Heartbeat
		}
	}
	if got, want := names(hb), "committed interval_ns seq source"; got != want {
		t.Errorf("heartbeat fields: %s, want %s\n%s", got, want, out)
	}
}

// TestRoutePauseAndStatusFromTheCommandLine: ferry route pause stops the
// route in the running applier, ferry route list and ferry status say so,
// with the leading relay, the lag growing and the change waiting in
// Kafka; ferry route resume lets it through; with every daemon stopped,
// ferry status still reads the pipeline's state.
func TestRoutePauseAndStatusFromTheCommandLine(t *testing.T) {
	t.Parallel()
	e := newOpsEnv(t, "")
	path, src, tgt, prefix := e.path, e.src, e.tgt, e.prefix
	relay := start(t, nil, "relay", "-c", path, "--log-format", "text")
	apply := start(t, nil, "apply", "-c", path, "--log-format", "text")
	pgtest.Exec(t, src, `INSERT INTO emp VALUES (1, 1)`)
	converge(t, src, tgt, "emp", relay, apply)
	route := prefix + ".public.emp -> branch.public.emp"

	lag := func(rep statusReport) time.Duration {
		if len(rep.Routes) != 1 || rep.Routes[0].Lag == nil {
			return -1
		}
		return *rep.Routes[0].Lag
	}
	waitUntil(t, "status shows a small lag", func() bool {
		rep, _ := statusJSON(t, path)
		return lag(rep) >= 0 && lag(rep) < time.Second
	}, relay, apply)
	statusFieldNames(t, path)
	out, errOut, code := ferry(t, nil, "status", "-c", path)
	if code != 0 || !strings.Contains(out, "ferry relay "+prefix) || !strings.Contains(out, route) || !strings.Contains(out, "running") {
		t.Errorf("ferry status: exit %d\n%s%s", code, out, errOut)
	}

	if out, errOut, code := ferry(t, nil, "route", "pause", "-c", path, prefix+".public.emp", "--reason", "maintenance"); code != 0 {
		t.Fatalf("route pause: exit %d\n%s%s", code, out, errOut)
	}
	if out, _, _ := ferry(t, nil, "route", "list", "-c", path); !strings.Contains(out, "paused") || !strings.Contains(out, "maintenance") {
		t.Errorf("route list does not show the pause:\n%s", out)
	}
	waitUntil(t, "the applier pauses the route", func() bool { return strings.Contains(apply.out.String(), "route paused") }, apply)
	pgtest.Exec(t, src, `INSERT INTO emp VALUES (2, 2)`)
	waitUntil(t, "status shows the paused route's change waiting in Kafka and its lag growing", func() bool {
		rep, _ := statusJSON(t, path)
		r := rep.Routes[0]
		return r.Paused && r.ConsumerLag > 0 && lag(rep) > 2*time.Second
	}, relay, apply)
	if n := pgtest.QueryValue[int](t, tgt, `SELECT count(*) FROM emp WHERE id = 2`); n != 0 {
		t.Fatal("the paused route applied a change")
	}
	if out, _, _ := ferry(t, nil, "status", "-c", path); !strings.Contains(out, "paused (maintenance)") {
		t.Errorf("ferry status does not show the pause:\n%s", out)
	}

	if out, errOut, code := ferry(t, nil, "route", "resume", "-c", path, route); code != 0 {
		t.Fatalf("route resume: exit %d\n%s%s", code, out, errOut)
	}
	converge(t, src, tgt, "emp", relay, apply)
	for name, p := range map[string]*process{"relay": relay, "apply": apply} {
		if code := p.stop(); code != 0 {
			t.Errorf("%s exited %d:\n%s", name, code, p.out)
		}
	}
	// No daemon runs: the state is still there, the lag grows, nobody leads.
	rep, code := statusJSON(t, path)
	if code != 0 || len(rep.Sources) != 1 || rep.Sources[0].Leader != nil || rep.Sources[0].Backlog < 0 || rep.Routes[0].Paused ||
		rep.Routes[0].LastChange.IsZero() || rep.Routes[0].DLQ != 0 || rep.Routes[0].ConsumerLag < 0 {
		t.Errorf("ferry status with no daemon: exit %d %+v", code, rep)
	}
}

// TestStatusJSONOfAPausedThenResumedRoute: ferry status --json has
// paused_since and paused_by while a route is paused and neither once it
// is resumed; route names keep their "->" in every JSON output.
func TestStatusJSONOfAPausedThenResumedRoute(t *testing.T) {
	t.Parallel()
	e := newOpsEnv(t, "")
	route := e.prefix + ".public.emp -> branch.public.emp"
	routeJSON := func() map[string]any {
		t.Helper()
		out, errOut, _ := ferry(t, nil, "status", "-c", e.path, "--json")
		if strings.Contains(out, `\u003e`) || !strings.Contains(out, `"route": "`+route+`"`) {
			t.Errorf("ferry status --json escapes the route's name:\n%s%s", out, errOut)
		}
		var rep struct {
			Routes []map[string]any `json:"routes"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Routes) != 1 {
			t.Fatalf("ferry status --json: %v\n%s%s", err, out, errOut)
		}
		return rep.Routes[0]
	}
	if out, errOut, code := ferry(t, nil, "route", "pause", "-c", e.path, route, "--reason", "reindex"); code != 0 {
		t.Fatalf("route pause: exit %d\n%s%s", code, out, errOut)
	}
	if r := routeJSON(); r["paused"] != true || r["paused_since"] == nil || r["paused_by"] == nil || r["reason"] != "reindex" {
		t.Errorf("a paused route in ferry status --json: %v", r)
	}
	if out, errOut, code := ferry(t, nil, "route", "resume", "-c", e.path, route); code != 0 {
		t.Fatalf("route resume: exit %d\n%s%s", code, out, errOut)
	}
	r := routeJSON()
	for _, name := range []string{"paused_since", "paused_by", "reason"} {
		if v, ok := r[name]; ok {
			t.Errorf("a resumed route in ferry status --json has %s %v", name, v)
		}
	}
	if r["paused"] != false {
		t.Errorf("a resumed route in ferry status --json: %v", r)
	}
	for _, args := range [][]string{{"route", "list", "--json"}, {"verify", "--json", "--recheck-after", "0s"}} {
		out, errOut, _ := ferry(t, nil, append(args, "-c", e.path)...)
		if strings.Contains(out, `\u003e`) || !strings.Contains(out, route) {
			t.Errorf("ferry %v escapes the route's name:\n%s%s", args, out, errOut)
		}
	}
}

// TestStatusWatchIntoAPipe: ferry status --watch with stdout not a
// terminal writes no escape codes: its reports follow one another, each
// under the time it was read, a blank line between.
func TestStatusWatchIntoAPipe(t *testing.T) {
	t.Parallel()
	e := newOpsEnv(t, "")
	w := start(t, nil, "status", "--watch", "--interval", "100ms", "-c", e.path)
	heading := regexp.MustCompile(`(?m)^ferry status at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n\nSOURCE`)
	waitUntil(t, "three reports", func() bool { return len(heading.FindAllString(w.out.String(), -1)) >= 3 }, w)
	w.cmd.Process.Signal(os.Interrupt)
	if code := w.exited(time.Minute); code != 0 {
		t.Errorf("status --watch exited %d on SIGINT", code)
	}
	out := w.out.String()
	if strings.Contains(out, "\033") {
		t.Errorf("status --watch into a pipe wrote escape codes:\n%q", out)
	}
	if !strings.Contains(out, "\n\nferry status at ") || strings.HasPrefix(out, "\n") {
		t.Errorf("status --watch into a pipe: reports not separated by a blank line:\n%s", out)
	}
}
