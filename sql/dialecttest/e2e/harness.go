package e2e

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-cdc/ferry/internal/ferrytest"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialecttest"
)

// Server is one dialect's database server, as the end-to-end tests use it.
type Server interface {
	// Dialect is the dialect under test.
	Dialect() fsql.Dialect
	// NewSource creates an empty database for a source, with whatever the
	// capture needs granted; NewTarget one for a target. Each skips the
	// test, naming the variable that would enable it, when the server is
	// not configured.
	NewSource(t testing.TB) dialecttest.Database
	NewTarget(t testing.TB) dialecttest.Database
	// Types are the dialect's column types for the neutral kinds.
	Types() dialecttest.Types
	// Placeholder is the bind parameter n (from 1) of a statement.
	Placeholder(n int) string
	// Audit makes every row write to schema.table record a row (n, tbl, id,
	// v, op) in schema.audit_log, which it creates the first time: n grows
	// in the order the writes took the row's lock, tbl is the table's
	// name, id and v are the written row's columns of those names (a
	// deleted row's, for a delete), op is 'w' for an insert or an update
	// and 'd' for a delete. db is a pool on the target's DSN.
	Audit(t testing.TB, db *stdsql.DB, schema, table string)
	// Restart stops and starts the server under a running test, as an
	// outage would, or skips where this machine does not control it.
	Restart(t testing.TB)
}

// side is a source or a target database of a pipeline.
type side struct {
	srv Server
	d   fsql.Dialect
	dialecttest.Database
	db *stdsql.DB
}

// table is a table's name as a statement writes it: quoted, in its schema.
func (s *side) table(name string) string { return s.d.Quote(s.Schema, s.d.Fold(name)) }

// column is a column's name as a statement writes it.
func (s *side) column(name string) string { return s.d.Quote(s.d.Fold(name)) }

// Pipeline is a source database and a target database, each of its own
// dialect, with the same tables (created from neutral descriptions in each
// dialect's DDL), a config that routes each table to its namesake, and the
// capture installed by `ferry migrate up`. The test starts `ferry relay`
// and `ferry apply` as it needs them.
type Pipeline struct {
	t        testing.TB
	src, tgt *side
	tables   []dialecttest.Table
	config   string // the config file's path
}

// Options vary a pipeline.
type Options struct {
	// PurgeSchedule is how often the relay purges the outbox; every hour
	// when empty.
	PurgeSchedule string
}

// New creates a pipeline from src to tgt with tables.
func New(t testing.TB, src, tgt Server, o Options, tables ...dialecttest.Table) *Pipeline {
	t.Helper()
	brokers := kafkatest.Brokers(t)
	p := &Pipeline{t: t, tables: tables}
	p.src = open(t, src, src.NewSource(t))
	p.tgt = open(t, tgt, tgt.NewTarget(t))
	for _, s := range []*side{p.src, p.tgt} {
		for _, tb := range tables {
			ddl, err := tb.CreateSQL(s.d, s.Schema, s.srv.Types())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.db.ExecContext(t.Context(), ddl); err != nil {
				t.Fatalf("create table %s in %s: %v\n%s", tb.Name, s.d.Name(), err, ddl)
			}
		}
	}
	if o.PurgeSchedule == "" {
		o.PurgeSchedule = "@every 1h"
	}
	// Names unique to the test: the relay's transactional.id and the
	// applier's consumer group derive from them, and tests run side by side.
	prefix := kafkatest.Prefix(t)
	source := "src_" + prefix
	var y strings.Builder
	fmt.Fprintf(&y, "sources:\n  - name: %s\n    dialect: %s\n    dsn: %q\n", source, p.src.d.Name(), p.src.DSN)
	if p.src.CaptureSchema != "" {
		fmt.Fprintf(&y, "    capture_schema: %q\n", p.src.CaptureSchema)
	}
	y.WriteString("    tables:\n")
	for _, tb := range tables {
		fmt.Fprintf(&y, "      - name: %q\n", p.src.Schema+"."+tb.Name)
	}
	fmt.Fprintf(&y, "targets:\n  - name: tgt\n    dialect: %s\n    dsn: %q\n", p.tgt.d.Name(), p.tgt.DSN)
	fmt.Fprintf(&y, "kafka:\n  brokers: [%q]\n  topic_prefix: %s\nroutes:\n", brokers, prefix)
	for _, tb := range tables {
		fmt.Fprintf(&y, "  - from: %q\n    to: %q\n", source+"."+p.src.Schema+"."+tb.Name, "tgt."+p.tgt.Schema+"."+tb.Name)
	}
	fmt.Fprintf(&y, "relay:\n  purge_schedule: %q\napply:\n  group_id: %s\n", o.PurgeSchedule, prefix)
	p.config = filepath.Join(t.TempDir(), "ferry.yaml")
	if err := os.WriteFile(p.config, []byte(y.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := p.Run("migrate", "up"); code != 0 {
		t.Fatalf("ferry migrate up exited %d:\n%s\nconfig:\n%s", code, out, y.String())
	}
	return p
}

// open opens a pool on db with the dialect's own Open, as Ferry does.
func open(t testing.TB, srv Server, db dialecttest.Database) *side {
	t.Helper()
	s := &side{srv: srv, d: srv.Dialect(), Database: db}
	pool, err := s.d.Open(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	pool.SetMaxOpenConns(20)
	t.Cleanup(func() { pool.Close() })
	s.db = pool
	return s
}

// Run runs `ferry <args>` with the pipeline's config to its end and
// returns its output and exit code.
func (p *Pipeline) Run(args ...string) (string, int) {
	p.t.Helper()
	return ferrytest.Run(p.t, append(args, "-c", p.config, "--log-format", "text")...)
}

// Start starts `ferry relay` or `ferry apply` until it is killed or the
// test ends.
func (p *Pipeline) Start(daemon string) *ferrytest.Process {
	p.t.Helper()
	return ferrytest.Start(p.t, daemon, "-c", p.config, "--log-format", "text")
}

// Audit records every write to each table in the target (Server.Audit).
func (p *Pipeline) Audit() {
	p.t.Helper()
	for _, tb := range p.tables {
		p.tgt.srv.Audit(p.t, p.tgt.db, p.tgt.Schema, tb.Name)
	}
}

// RestartSource restarts the source's server (Server.Restart).
func (p *Pipeline) RestartSource() { p.src.srv.Restart(p.t) }

// Crasher is a Server that can also stop as a power cut would (WAL or redo
// not yet flushed is lost) and start again.
type Crasher interface {
	Crash(t testing.TB)
}

// CrashSource crashes the source's server, or skips where its Server is
// no Crasher.
func (p *Pipeline) CrashSource() {
	c, ok := p.src.srv.(Crasher)
	if !ok {
		p.t.Skipf("no test here can crash a %s server", p.src.d.Name())
	}
	c.Crash(p.t)
}

// Source is the source's pool, on which tests write as the application
// would.
func (p *Pipeline) Source() *stdsql.DB { return p.src.db }

// Classify sorts an error of the source's by its dialect.
func (p *Pipeline) Classify(err error) fsql.ErrorClass { return p.src.d.Classify(err) }

// Insert is an INSERT of one row of table's columns cols, in the source's
// SQL, with a placeholder for each value in cols' order.
func (p *Pipeline) Insert(table string, cols ...string) string {
	names := make([]string, len(cols))
	phs := make([]string, len(cols))
	for i, c := range cols {
		names[i] = p.src.column(c)
		phs[i] = p.src.srv.Placeholder(i + 1)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", p.src.table(table), strings.Join(names, ", "), strings.Join(phs, ", "))
}

// Update is an UPDATE of the row of table whose column key equals the
// statement's last placeholder. set is the SET list in the SQL the
// dialects share, where {c} stands for the quoted column c and ? for the
// next placeholder: "{v} = {v} + 1, {note} = ?".
func (p *Pipeline) Update(table, set, key string) string {
	n := 0
	var b strings.Builder
	for i := 0; i < len(set); i++ {
		switch set[i] {
		case '?':
			n++
			b.WriteString(p.src.srv.Placeholder(n))
		case '{':
			end := strings.IndexByte(set[i:], '}')
			b.WriteString(p.src.column(set[i+1 : i+end]))
			i += end
		default:
			b.WriteByte(set[i])
		}
	}
	return fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", p.src.table(table), b.String(), p.src.column(key), p.src.srv.Placeholder(n+1))
}

// Delete is a DELETE of the row of table whose column key equals the
// placeholder.
func (p *Pipeline) Delete(table, key string) string {
	return fmt.Sprintf("DELETE FROM %s WHERE %s = %s", p.src.table(table), p.src.column(key), p.src.srv.Placeholder(1))
}

// Exec runs a statement in q and returns how many rows it changed.
func Exec(ctx context.Context, q interface {
	ExecContext(context.Context, string, ...any) (stdsql.Result, error)
}, stmt string, args ...any) (int64, error) {
	res, err := q.ExecContext(ctx, stmt, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
