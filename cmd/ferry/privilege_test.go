package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestLeastPrivilegeRoles runs the pipeline with the roles the README's
// Least privilege section describes, each with exactly the grants it lists:
// an installing role that may create the capture schema and is a member of
// the role that owns the captured tables; the application's role, unchanged, which writes the
// table and is captured without any right on the capture schema; the
// relay's role, which reads and purges the outbox; and the applier's role,
// with DML on the routed table and a schema of its own in the target.
func TestLeastPrivilegeRoles(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	b := make([]byte, 4)
	rand.Read(b)
	p := "lp" + hex.EncodeToString(b)
	install, app, relay, apply, owner := p+"_install", p+"_app", p+"_relay", p+"_apply", p+"_owner"
	admin := pgtest.Open(t, pgtest.AdminDSN(t))
	for _, r := range []string{install, app, relay, apply, owner} {
		pgtest.Exec(t, admin, `CREATE ROLE `+r+` LOGIN`)
		// Registered before the databases, so that it runs after they are dropped.
		t.Cleanup(func() { admin.Exec(`DROP ROLE IF EXISTS ` + r) })
	}
	srcDSN, src := pgtest.NewDB(t)
	tgtDSN, tgt := pgtest.NewDB(t)
	as := func(dsn, role string) string { return withUser(t, dsn, role, "unused") }
	srcDB := strings.TrimPrefix(srcDSN[strings.LastIndex(srcDSN, "/"):], "/")
	srcDB, _, _ = strings.Cut(srcDB, "?")

	// What the DBA grants before `ferry migrate up`.
	pgtest.Exec(t, src,
		`CREATE TABLE emp (id int PRIMARY KEY, name text, pay numeric(10,2))`,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON emp TO `+app,
		`ALTER TABLE emp OWNER TO `+owner,
		`GRANT CREATE ON DATABASE `+srcDB+` TO `+install,
		`GRANT `+owner+` TO `+install)
	pgtest.Exec(t, tgt,
		`CREATE TABLE emp (id int PRIMARY KEY, name text, pay numeric(10,2))`,
		`CREATE SCHEMA ferry AUTHORIZATION `+apply,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON emp TO `+apply)

	config := func(srcRole, tgtRole string) string {
		return writeFile(t, "ferry.yaml", fmt.Sprintf(`sources:
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
  - {from: %[1]s.public.emp, to: branch.public.emp}
apply:
  group_id: %[1]s
relay:
  purge_schedule: "@every 1s"
`, p, as(srcDSN, srcRole), as(tgtDSN, tgtRole), brokers))
	}
	if out, errOut, code := ferry(t, nil, "migrate", "up", "-c", config(install, apply)); code != 0 {
		t.Fatalf("migrate up as %s: exit %d\n%s%s", install, code, out, errOut)
	}
	// What the installing role, which owns the capture schema, grants after.
	pgtest.Exec(t, pgtest.Open(t, as(srcDSN, install)),
		`GRANT USAGE ON SCHEMA ferry TO `+relay,
		`GRANT SELECT, DELETE ON ferry.outbox TO `+relay,
		`GRANT SELECT ON ferry.captured TO `+relay,
		`GRANT SELECT ON SEQUENCE ferry.outbox_seq_seq TO `+relay,
		`GRANT SELECT, UPDATE ON ferry.snapshot_request TO `+relay,
		`GRANT EXECUTE ON FUNCTION ferry.heartbeat(integer) TO `+relay)
	// And the application's owner lets the relay read the table for snapshots.
	pgtest.Exec(t, src, `GRANT SELECT ON emp TO `+relay)

	appDB := pgtest.Open(t, as(srcDSN, app))
	pgtest.Exec(t, appDB, `INSERT INTO emp SELECT g, 'n' || g, g FROM generate_series(1, 50) g`)
	if _, err := appDB.Exec(`SELECT count(*) FROM ferry.outbox`); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("the application's role reads the outbox: %v", err)
	}
	path := config(relay, apply)
	r := start(t, nil, "relay", "-c", path, "--log-format", "text")
	a := start(t, nil, "apply", "-c", path, "--log-format", "text")
	pgtest.Exec(t, appDB, `UPDATE emp SET pay = pay * 2 WHERE id % 2 = 0`, `DELETE FROM emp WHERE id > 40`)

	converge(t, src, tgt, "emp", r, a)
	// The relay purges what Kafka holds: its DELETE on the outbox works.
	deadline := time.Now().Add(time.Minute)
	for pgtest.QueryValue[int](t, src, `SELECT count(*) FROM ferry.outbox WHERE op <> 'h'`) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the relay did not purge the outbox:\n%s", r.out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A snapshot, requested by the installing role, read by the relay's.
	if out, errOut, code := ferry(t, nil, "snapshot", "-c", config(install, apply), "--table", "public.emp", "--wait"); code != 0 ||
		!strings.Contains(out+errOut, "done") {
		t.Fatalf("snapshot as %s: exit %d\n%s%s\nrelay:\n%s", install, code, out, errOut, r.out)
	}
	for name, p := range map[string]*process{"relay": r, "apply": a} {
		if code := p.stop(); code != 0 || strings.Contains(p.out.String(), "permission denied") {
			t.Errorf("%s: exit %d:\n%s", name, code, p.out)
		}
	}
}
