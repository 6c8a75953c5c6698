package sql

import (
	"context"
	stdsql "database/sql"
	"io/fs"

	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// Dialect is what Ferry needs from one database product whatever role it
// plays: connecting, names, the catalog, the values of its images, error
// classes, and reads of its tables for snapshots and verify. A database
// that can be a source implements SourceDialect too, one that can be a
// target TargetDialect; a dialect implements only the roles it has. Its
// methods return SQL text or read the catalog; they keep no state.
type Dialect interface {
	// Name is the dialect's name in the config ("postgres").
	Name() string
	// Open parses the DSN with the driver's own parser and returns a pool.
	// It does not connect. Its errors never quote the DSN.
	Open(dsn string) (*stdsql.DB, error)
	// Redact is the DSN with every secret in it replaced, for messages; a
	// DSN that does not parse shows as a placeholder.
	Redact(dsn string) string
	// Facts are what the callers must respect (see Facts).
	Facts() Facts

	// Quote quotes a name, or a qualified name given in parts, so that any
	// text is one name and nothing else.
	Quote(parts ...string) string
	// Fold is a name the config writes without quotes as the catalog
	// holds it: Oracle upper-cases it; PostgreSQL and SQL Server take it
	// as written (see Names).
	Fold(name string) string
	// DefaultSchema is the schema a bare table name means, read from the
	// connection q (SQL Server: the user's default schema; Oracle: the
	// user). With q nil it returns the dialect's fixed default, or
	// ErrNeedsConnection when the default depends on the connection.
	DefaultSchema(ctx context.Context, q Querier) (string, error)

	// Describe reads a table's columns and primary key from the catalog.
	// It returns an error wrapping ErrNoTable when the table does not exist.
	Describe(ctx context.Context, db Querier, schema, table string) (*Table, error)
	// Values turns the values of this database's images (its outbox's,
	// its Reader's) into the neutral forms (values.go).
	Values() Values
	// Snapshot reads tables for snapshots and verify.
	Snapshot() Snapshot
	// Classify sorts an error from this database, by its number, into
	// what a caller does with it.
	Classify(err error) ErrorClass
}

// Facts are properties of a database that the generic code respects.
type Facts struct {
	// TransactionalDDL: CREATE, ALTER and DROP run inside a transaction and
	// roll back with it. When false (Oracle commits each), a migration is
	// made of statements that are each safe to run again, and an
	// interrupted `migrate up` is finished by running it again.
	TransactionalDDL bool
	// ErrorDoomsTransaction: an error can leave the transaction unable to
	// commit or to roll back to a savepoint (SQL Server's XACT_STATE() -1,
	// error 3930; a deadlock rolls it back whole). The applier then rolls
	// the whole batch back and applies it again without the change that
	// failed, which it treats by that change's own error.
	ErrorDoomsTransaction bool
}

// SourceDialect is a database Ferry can capture changes from.
type SourceDialect interface {
	Dialect
	Source() Source
}

// TargetDialect is a database Ferry can apply changes to.
type TargetDialect interface {
	Dialect
	Target() Target
}

// Source is what the migrator and the relay need from a source.
type Source interface {
	// CheckType says why a column's type cannot be carried exactly by the
	// change envelope, or returns nil when it can.
	CheckType(c Column) error
	// Capture generates the capture side: outbox schema, triggers, registry.
	Capture() Capture
	// Outbox reads the outbox in the capture schema, for the relay.
	Outbox(db *stdsql.DB, captureSchema string) Outbox
	// Leader returns the lease that makes one relay of a source the leader.
	// It holds its own connection while held.
	Leader(db *stdsql.DB, captureSchema, source string) Leader
	// Requests is the store of snapshot requests in the capture schema.
	Requests(db *stdsql.DB, captureSchema string) Requests
}

// Capture generates the DDL that captures changes into the outbox. Every
// name it is given is quoted by it; callers pass names as they are.
type Capture interface {
	// SchemaFiles are the capture schema's goose migrations, one file per
	// version (00001_name.sql), as text/template templates over
	// {{.Schema}}, the quoted capture schema. They live in
	// sql/<dialect>/schema.
	SchemaFiles() fs.FS
	// Store is goose's version table of that name in the capture schema
	// (database.NewStore with goose's dialect, or the dialect's own store
	// where goose has none).
	Store(captureSchema, table string) (database.Store, error)
	// MigrationLocker serialises concurrent `ferry migrate` runs.
	MigrationLocker() (lock.SessionLocker, error)
	// PrepareSchema creates the capture schema if it is missing; goose's
	// version tables live there, so it runs before goose.
	PrepareSchema(captureSchema string) string
	// Triggers returns the statements that install (or replace) capture of
	// one table. They run in one goose migration with Register's statement.
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
