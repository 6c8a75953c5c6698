package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

var ferryBin string

// The version and commit TestMain gives the linker, as the Makefile does.
const (
	testVersion = "v9.9.9-test"
	testCommit  = "0123456789abcdef0123456789abcdef01234567"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ferry-bin")
	if err != nil {
		panic(err)
	}
	ferryBin = filepath.Join(dir, "ferry")
	ldflags := "-X github.com/ferry-cdc/ferry/internal/version.version=" + testVersion +
		" -X github.com/ferry-cdc/ferry/internal/version.commit=" + testCommit
	if out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", ferryBin, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ferry runs the built binary and returns its output and exit code.
func ferry(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{}, {"check"}, {"migrate"}, {"migrate", "up"}, {"migrate", "down"}, {"migrate", "status"},
		{"migrate", "generate"}, {"relay"}, {"apply"}, {"dlq"}, {"dlq", "list"}, {"dlq", "show"}, {"dlq", "replay"}, {"version"},
	} {
		out, _, code := ferry(t, nil, append(args, "--help")...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("ferry %v --help: exit %d\n%s", args, code, out)
		}
	}
}

const badConfig = `sources:
  - name: hq
    dialect: postgres
    dsn: postgres://app:hunter2@127.0.0.1:1/db
    tables:
      - name: public.emp
        colums: [x]
targets:
  - name: branch
    dialect: nosuchdb
    dsn: postgres://app:hunter2@127.0.0.1:1/db
kafka:
  brokers: []
routes:
  - from: hq.public.dept
    to: branch.public.dept
`

func TestCheckReportsEveryProblemWithItsLine(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "ferry.yaml", badConfig)
	out, errOut, code := ferry(t, nil, "check", "-c", path)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitUsage, out, errOut)
	}
	if strings.Contains(out+errOut, "hunter2") {
		t.Fatalf("the password leaked:\n%s%s", out, errOut)
	}
	// Strict decoding stops at the unknown key: that one problem, with its line.
	if !strings.Contains(out, path+":7") || !strings.Contains(out, "colums") {
		t.Errorf("unknown key not reported with its line:\n%s", out)
	}

	fixed := strings.Replace(badConfig, "        colums: [x]\n", "", 1)
	path = writeFile(t, "ferry.yaml", fixed)
	out, errOut, code = ferry(t, nil, "check", "-c", path)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitUsage, out, errOut)
	}
	for _, want := range []string{
		path + ":8", "nosuchdb", // the target naming the dialect
		path + ":11", "no brokers",
		path + ":14", "hq does not capture public.dept",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, "hunter2") {
		t.Fatalf("the password leaked:\n%s%s", out, errOut)
	}
}

func TestCheckFindsMissingTablesAndColumnsInReachableDatabases(t *testing.T) {
	t.Parallel()
	dsn, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE TABLE emp (id int PRIMARY KEY, name text, pay money)`,
		`CREATE TABLE staff (id int PRIMARY KEY, full_name text)`)
	path := writeFile(t, "ferry.yaml", `sources:
  - name: hq
    dialect: postgres
    dsn: ${SRC_DSN}
    tables:
      - name: public.emp
        exclude: [pay]
      - name: public.gone
targets:
  - name: branch
    dialect: postgres
    dsn: ${SRC_DSN}
kafka:
  brokers: [127.0.0.1:9]
routes:
  - from: hq.public.emp
    to: branch.public.staff
    constants: {region: EU}
`)
	out, errOut, code := ferry(t, []string{"SRC_DSN=" + dsn}, "check", "-c", path)
	if code != exitUsage {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		path + ":8: source hq table public.gone: table does not exist",
		path + ":16: route to branch.public.staff: target table has no column name",
		path + ":16: route to branch.public.staff: target table has no column region",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pay") {
		t.Errorf("an excluded column was checked against the target:\n%s", out)
	}
}

func TestMigrateUpAndStatusFromTheCommandLine(t *testing.T) {
	t.Parallel()
	dsn, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE emp (id int PRIMARY KEY, name text)`)
	secret := writeFile(t, "dsn", dsn+"\n")
	path := writeFile(t, "ferry.yaml", `sources:
  - name: hq
    dialect: postgres
    dsn_file: `+secret+`
    tables: [{name: emp}]
kafka:
  brokers: [127.0.0.1:9]
`)
	out, errOut, code := ferry(t, nil, "migrate", "up", "-c", path)
	if code != 0 || !strings.Contains(out, "install capture of public.emp") {
		t.Fatalf("migrate up: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = ferry(t, nil, "migrate", "up", "-c", path)
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate up: exit %d\n%s", code, out)
	}
	out, _, code = ferry(t, nil, "migrate", "status", "-c", path)
	if code != 0 || !strings.Contains(out, "public.emp") || !strings.Contains(out, "yes") {
		t.Fatalf("migrate status: exit %d\n%s", code, out)
	}
	pgtest.Exec(t, db, `ALTER TABLE emp ADD COLUMN born date`)
	out, _, _ = ferry(t, nil, "migrate", "status", "-c", path)
	if !strings.Contains(out, "columns added: born") {
		t.Fatalf("status does not show the drift:\n%s", out)
	}
	if _, _, code := ferry(t, nil, "migrate", "up", "-c", path, "--source", "nope"); code != exitUsage {
		t.Errorf("unknown --source: exit %d", code)
	}
}

func TestRelayServesMetricsAndHealthAndStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	dsn, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE emp (id int PRIMARY KEY)`)
	prefix := kafkatest.Prefix(t)
	// A name of its own: the relay's transactional.id derives from it.
	path := writeFile(t, "ferry.yaml", `sources:
  - name: `+prefix+`
    dialect: postgres
    dsn: `+dsn+`
    tables: [{name: emp}]
kafka:
  brokers: [`+brokers+`]
  topic_prefix: `+prefix+`
`)
	if _, errOut, code := ferry(t, nil, "migrate", "up", "-c", path); code != 0 {
		t.Fatalf("migrate up: %s", errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(ferryBin, "relay", "-c", path, "--metrics-addr", addr)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	pgtest.Exec(t, db, `INSERT INTO emp SELECT g FROM generate_series(1, 10) g`)
	msgs := kafkatest.WaitFor(t, brokers, []string{prefix + ".public.emp"}, 10, time.Minute)
	if want := `"source":{"version":"` + testVersion + `",`; !strings.Contains(string(msgs[0].Value), want) {
		t.Errorf("envelope %s lacks %s", msgs[0].Value, want)
	}

	get := func(path string) string {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return string(b)
	}
	if h := get("/healthz"); !strings.Contains(h, `"`+prefix+`":"leading"`) {
		t.Errorf("/healthz: %s", h)
	}
	m := get("/metrics")
	for _, want := range []string{
		`ferry_relay_changes_produced_total{source="` + prefix + `",table="public.emp"} 10`,
		`ferry_relay_leader{source="` + prefix + `"} 1`,
		"ferry_relay_batch_duration_seconds_bucket", "ferry_relay_outbox_backlog_rows",
		"ferry_relay_oldest_unpublished_age_seconds", `ferry_relay_errors_total{kind="kafka",source="` + prefix + `"}`,
		`ferry_build_info{commit="` + testCommit + `",goversion="` + runtime.Version() + `",version="` + testVersion + `"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("relay did not exit 0 on SIGTERM: %v\n%s", err, out.String())
	}
}

// TestTheREADMEConfigIsValid keeps the README's example config true.
func TestTheREADMEConfigIsValid(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(readme), "## Configuration")
	_, block, ok := strings.Cut(rest, "```yaml\n")
	block, _, _ = strings.Cut(block, "```")
	if !ok || block == "" {
		t.Fatal("no yaml block under ## Configuration in README.md")
	}
	path := writeFile(t, "ferry.yaml", block)
	out, errOut, code := ferry(t, []string{"FERRY_SOURCE_DSN=postgres://a@127.0.0.1:1/a", "FERRY_TARGET_DSN=postgres://a@127.0.0.1:1/b"},
		"check", "--offline", "-c", path)
	if code != 0 {
		t.Fatalf("the README's config: exit %d\n%s%s", code, out, errOut)
	}
}

// TestCheckWarnsOfTablesWhoseRowsCanExceedTheLimit: a table with a column
// that has no size limit, and one whose bounded columns add up to more
// than kafka.max_message_bytes, are warned about; a table of short columns
// and an excluded unbounded column are not. Warnings do not fail the check.
func TestCheckWarnsOfTablesWhoseRowsCanExceedTheLimit(t *testing.T) {
	t.Parallel()
	dsn, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE TABLE docs (id int PRIMARY KEY, title varchar(200), body text, scan bytea, meta jsonb, tags text[])`,
		`CREATE TABLE forms (id int PRIMARY KEY, a varchar(1000), b varchar(1000))`,
		`CREATE TABLE small (id int PRIMARY KEY, code varchar(10), at timestamptz, amount numeric(12,2), secret text)`)
	path := writeFile(t, "ferry.yaml", `sources:
  - name: hq
    dialect: postgres
    dsn: ${SRC_DSN}
    tables:
      - name: public.docs
      - name: public.forms
      - name: public.small
        exclude: [secret]
kafka:
  brokers: [127.0.0.1:9]
  max_message_bytes: 10000
`)
	out, errOut, code := ferry(t, []string{"SRC_DSN=" + dsn}, "check", "-c", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		path + ":6: source hq table public.docs: columns without a size limit: body (text), scan (bytea), meta (jsonb), tags (text[]);",
		"exceeds kafka.max_message_bytes (10000 bytes) will stop the relay",
		path + ":7: source hq table public.forms: a change can take up to 25192 bytes, more than kafka.max_message_bytes (10000 bytes)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "public.small") || strings.Count(out, "warning:") != 2 {
		t.Errorf("want exactly two warnings, none for public.small:\n%s", out)
	}
}

// TestCheckAndMigrateRefuseTablesSharingATopic: two tables whose default
// topics are one (the relay would refuse to start) fail check and migrate
// up, naming the line, before migrate up writes anything to the source.
func TestCheckAndMigrateRefuseTablesSharingATopic(t *testing.T) {
	t.Parallel()
	dsn, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE SCHEMA "My Schema"`, `CREATE SCHEMA "My_Schema"`,
		`CREATE TABLE "My Schema"."Odd Table" (id int PRIMARY KEY)`,
		`CREATE TABLE "My_Schema"."Odd_Table" (id int PRIMARY KEY)`)
	path := writeFile(t, "ferry.yaml", `sources:
  - name: hq
    dialect: postgres
    dsn: ${SRC_DSN}
    tables:
      - {schema: My Schema, name: Odd Table}
      - {schema: My_Schema, name: Odd_Table}
kafka:
  brokers: [127.0.0.1:9]
  topic_prefix: prefix
`)
	want := path + ":7: source hq: tables My Schema.Odd Table (line 6) and My_Schema.Odd_Table would share topic prefix.My_Schema.Odd_Table"
	for _, args := range [][]string{{"check"}, {"migrate", "up"}} {
		out, errOut, code := ferry(t, []string{"SRC_DSN=" + dsn}, append(args, "-c", path)...)
		if code != exitUsage || !strings.Contains(out+errOut, want) {
			t.Errorf("ferry %v: exit %d, want %d and %q:\n%s%s", args, code, exitUsage, want, out, errOut)
		}
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_namespace WHERE nspname = 'ferry'`); n != 0 {
		t.Errorf("migrate up created the capture schema")
	}
}
