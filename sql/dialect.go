package sql

import (
	"context"
	stdsql "database/sql"

	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// Dialect is what Ferry needs from one database product. Its methods return
// SQL text or read the catalog; they never keep state of their own.
type Dialect interface {
	// Name is the dialect's name in the config ("postgres").
	Name() string
	// Open returns a pool for the DSN. It does not connect.
	Open(dsn string) (*stdsql.DB, error)
	// DefaultSchema is the schema a bare table name in the config means.
	DefaultSchema() string

	// Goose is the goose dialect for migrations against this database.
	Goose() database.Dialect
	// MigrationLocker serialises concurrent `ferry migrate` runs.
	MigrationLocker() (lock.SessionLocker, error)

	// Describe reads a table's columns and primary key from the catalog.
	// It returns an error wrapping ErrNoTable when the table does not exist.
	Describe(ctx context.Context, db Querier, schema, table string) (*Table, error)
	// CheckType says why a column's type cannot be carried exactly by the
	// change envelope, or returns nil when it can.
	CheckType(c Column) error
	// Values turns the values of this database's images (its outbox's,
	// its Reader's) into the neutral forms (values.go).
	Values() Values

	// Capture generates the capture side: outbox schema, triggers, registry.
	Capture() Capture
	// Outbox reads the outbox in the capture schema, for the relay.
	Outbox(db *stdsql.DB, captureSchema string) Outbox
	// Target applies changes to this database, for the applier.
	Target() Target
	// Snapshot reads tables for snapshots and verify, and stores snapshot
	// requests in the capture schema.
	Snapshot() Snapshot
	// Leader returns the lease that makes one relay of a source the leader.
	// It holds its own connection while held.
	Leader(db *stdsql.DB, captureSchema, source string) Leader
}

// Capture generates the DDL that captures changes into the outbox. Every
// name it is given is quoted by it; callers pass names as they are.
type Capture interface {
	// PrepareSchema creates the capture schema if it is missing; goose's
	// version tables live there, so it runs before goose.
	PrepareSchema(captureSchema string) string
	// QuoteIdent quotes a name, or a qualified name given in parts, for the
	// capture schema's migration templates under migrations/<dialect>/.
	QuoteIdent(parts ...string) string
	// Triggers returns the statements that install (or replace) capture of
	// one table. They run in one transaction with Register's statement.
	Triggers(spec CaptureSpec) ([]string, error)
	// Register returns the statement that records a captured table in the
	// registry; hash identifies what Triggers installed.
	Register(spec CaptureSpec, hash string) (string, error)
	// DropTriggers returns the statements that remove capture of one table.
	// They succeed when the table or its triggers are already gone.
	DropTriggers(captureSchema string, r Registered) ([]string, error)
	// Registry reads the tables captured in the capture schema. A capture
	// schema that does not exist yet yields no rows and no error.
	Registry(ctx context.Context, db Querier, captureSchema string) ([]Registered, error)
	// Check says why this dialect's capture cannot carry a table, its key
	// or its excluded columns exactly: every problem, none when it can. Gaps
	// name, a sentence each, ways the table's rows can change that capture
	// does not follow, for `migrate status`.
	Check(t *Table, key, exclude []string) (problems []error, gaps []string)
	// Inspect compares a registered table's installed capture with the
	// catalog: where the table is now, and what is missing or not in force.
	Inspect(ctx context.Context, db Querier, captureSchema string, r Registered) (Installed, error)
}

// Querier is the part of *sql.DB, *sql.Conn and *sql.Tx that catalog reads use.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *stdsql.Row
}
