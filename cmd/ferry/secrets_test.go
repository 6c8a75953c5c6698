package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/ferrytest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestNoSecretInAnyOutput runs every command with distinctive secrets, a
// DSN password, a SASL password and a key passphrase, on the paths that
// work and on those that fail (a wrong host, a wrong database password, a
// wrong SASL password, a config with errors), at debug level, and looks for
// the secrets in all they print, in their metrics and in their health
// documents.
func TestNoSecretInAnyOutput(t *testing.T) {
	t.Parallel()
	s := newSecuredPipeline(t, `CREATE TABLE emp (id int PRIMARY KEY, name text)`)
	s.broker.Allow(t, s.relayUser, s.relayACLs()...)
	s.broker.Allow(t, s.applier, s.applierACLs("emp")...)
	// The daemons run as one user here, with both sets of ACLs.
	s.broker.Allow(t, s.relayUser, s.applierACLs("emp")...)
	passphrase := "keyS3cret" + randomHex(t)
	// A role that must give its password (pg.sh secure puts the role
	// ferry_password's members under scram-sha-256), given a wrong one.
	role, wrongDB := "pw_"+s.prefix, "dbWr0ng"+randomHex(t)
	pgtest.Exec(t, s.src, `CREATE ROLE `+role+` LOGIN PASSWORD 'right' IN ROLE ferry_password`)
	t.Cleanup(func() { s.src.Exec(`DROP ROLE IF EXISTS ` + role) })
	secrets := []string{s.password, s.dsnPassword, passphrase, wrongDB, "not-" + s.password}

	// The key passphrase rides along in every config: librdkafka takes it
	// and, with no key to open, does not need it.
	keyProp := "    ssl.key.password: " + passphrase + "\n"
	good := s.config(t, s.srcDSN, s.tgtDSN, "")
	good = addProperty(t, good, keyProp)
	wrongHost := addProperty(t, s.config(t, strings.Replace(s.srcDSN, "127.0.0.1:", "127.0.0.1:1", 1), strings.Replace(s.tgtDSN, "127.0.0.1:", "127.0.0.1:1", 1), ""), keyProp)
	wrongPassword := addProperty(t, s.config(t, withUser(t, s.srcDSN, role, wrongDB), withUser(t, s.tgtDSN, role, wrongDB), ""), keyProp)
	badConfig := writeFile(t, "bad.yaml", `sources:
  - name: hq
    dialect: postgres
    dsn: postgres://ferry:`+s.dsnPassword+`@127.0.0.1:notaport/db
    tables: public.emp
    capture_schema: [`+s.dsnPassword+`]
kafka:
  brokers: [127.0.0.1:9]
  max_message_bytes: `+s.password+`
  properties:
    sasl.password: `+s.password+`
    ssl.key.password: `+passphrase+`
    sasl.username: [`+s.password+`]
`)
	badDSN := writeFile(t, "baddsn.yaml", `sources:
  - name: hq
    dialect: postgres
    dsn: postgres://ferry:`+s.dsnPassword+`@127.0.0.1:notaport/db
    tables: [{name: public.emp}]
targets:
  - name: branch
    dialect: postgres
    dsn: "host=127.0.0.1 port=x password='`+s.dsnPassword+`' dbname=y"
kafka:
  brokers: [127.0.0.1:9]
  properties: {sasl.password: `+s.password+`}
routes:
  - {from: hq.public.emp, to: branch.public.emp}
`)
	env := s.env(s.relayUser, s.password)
	wrongSASL := s.env(s.relayUser, "not-"+s.password)

	var outputs []string
	check := func(what, out string) {
		t.Helper()
		for _, secret := range secrets {
			if strings.Contains(out, secret) {
				t.Errorf("%s printed a secret:\n%s", what, out)
			}
		}
		outputs = append(outputs, out)
	}
	run := func(env []string, args ...string) {
		t.Helper()
		args = append(args, "--log-level", "debug")
		out, errOut, _ := ferry(t, env, args...)
		check("ferry "+strings.Join(args, " "), out+errOut)
	}
	for _, path := range []string{good, wrongHost, wrongPassword, badConfig, badDSN} {
		run(env, "check", "-c", path)
		run(env, "check", "--offline", "-c", path)
		run(env, "migrate", "status", "-c", path)
		run(env, "migrate", "up", "-c", path)
		run(env, "migrate", "generate", "-c", path, "--dir", t.TempDir())
		run(env, "dlq", "list", "-c", path)
		run(env, "dlq", "replay", "--dry-run", "-c", path)
		run(env, "status", "-c", path)
		run(env, "status", "--json", "-c", path)
		run(env, "route", "list", "-c", path)
		run(env, "route", "resume", "-c", path, "hq.public.emp")
	}
	run(wrongSASL, "check", "-c", good)
	run(wrongSASL, "dlq", "list", "-c", good)
	run(env, "version")
	pgtest.Exec(t, s.src, `INSERT INTO emp VALUES (1, 'one')`)

	// The daemons, working and failing, with their metrics and health.
	// The working pair runs together until the row has arrived, however
	// slow the machine is; the failing ones run long enough to connect,
	// fail, retry and log.
	type daemon struct {
		env  []string
		path string
		args []string
	}
	daemonArgs := func(d daemon, addr string) []string {
		return append(slices.Clone(d.args), "-c", d.path, "--log-level", "debug", "--log-format", "json", "--metrics-addr", addr)
	}
	observe := func(d daemon, p *process, addr string) {
		t.Helper()
		for _, page := range []string{"/metrics", "/healthz"} {
			check(strings.Join(d.args, " ")+" "+page, get(addr, page))
		}
		p.stop()
		check("ferry "+strings.Join(d.args, " ")+" -c "+d.path, p.out.String())
	}
	relayD, applyD := daemon{env, good, []string{"relay"}}, daemon{env, good, []string{"apply"}}
	relayAddr, applyAddr := freeAddr(t), freeAddr(t)
	relayP := start(t, env, daemonArgs(relayD, relayAddr)...)
	applyP := start(t, env, daemonArgs(applyD, applyAddr)...)
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if pgtest.QueryValue[int](t, s.tgt, `SELECT count(*) FROM emp`) == 1 {
			break
		}
	}
	observe(relayD, relayP, relayAddr)
	observe(applyD, applyP, applyAddr)
	for _, d := range []daemon{
		{wrongSASL, good, []string{"relay"}}, {wrongSASL, good, []string{"apply"}},
		{env, wrongHost, []string{"relay"}}, {env, wrongHost, []string{"apply"}},
		{env, wrongPassword, []string{"relay"}}, {env, wrongPassword, []string{"apply"}},
	} {
		addr := freeAddr(t)
		p := start(t, d.env, daemonArgs(d, addr)...)
		time.Sleep(3 * time.Second)
		observe(d, p, addr)
	}
	run(env, "dlq", "show", "-c", good, s.prefix+".public.emp/0/0")
	run(env, "migrate", "down", "-c", good)

	// The runs did what they were meant to, so that their output is worth
	// searching: the good pipeline applied, the failures said why.
	all := strings.Join(outputs, "\n")
	for _, want := range []string{"password authentication failed", "kafka: authentication failed", "connect", "no kafka broker answered"} {
		if !strings.Contains(all, want) {
			t.Errorf("no output says %q: the failure paths did not run as meant", want)
		}
	}
	if n := pgtest.QueryValue[int](t, s.tgt, `SELECT count(*) FROM emp`); n != 1 {
		t.Errorf("the target has %d rows, want 1: the working daemons did not run", n)
	}
}

// addProperty adds a line to the kafka properties of the config at path.
func addProperty(t *testing.T, path, line string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "  properties:\n", "  properties:\n"+line, 1)
	return writeFile(t, "ferry.yaml", text)
}

// withUser returns the URL dsn with another user and password.
func withUser(t *testing.T, dsn, user, password string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

func freeAddr(t *testing.T) string { return ferrytest.FreeAddr(t) }

// get returns a page of a daemon's metrics server, or what went wrong.
func get(addr, path string) string {
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
