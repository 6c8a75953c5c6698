package dialecttest

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Harness is what a dialect's test package gives the suite.
type Harness interface {
	// Dialect is the dialect under test. The suite runs the tests of the
	// roles it implements (SourceDialect, TargetDialect) and skips the rest.
	Dialect() fsql.Dialect
	// NewDB creates an empty database (or schema, or user) for one test,
	// removed when the test ends, and returns a pool on it whose bare
	// names resolve there. It skips the test, naming the variable that
	// would enable it, when the dialect's server is not configured.
	NewDB(t *testing.T) *stdsql.DB
	// CreateTable creates table in the pool's default schema, with the
	// dialect's types for the columns' kinds (Column says which).
	CreateTable(t *testing.T, db *stdsql.DB, table Table)
	// Exec runs stmt as the application would: its own session, none of
	// Ferry's markers. stmt is in the SQL the dialects share: INSERT with
	// one VALUES row or a SELECT, UPDATE and DELETE, with number literals
	// and bare table names; Exec may rewrite what its database writes
	// otherwise.
	Exec(ctx context.Context, q Execer, stmt string) error
	// EndSession ends, from another session, the session that holds the
	// lease l, as a crash of its relay would. No other lease of the
	// database is held when the suite calls it.
	EndSession(t *testing.T, db *stdsql.DB, l fsql.Leader)
	// OpenTransactionsHoldBack reports whether the outbox's window stops at
	// the oldest open transaction that wrote to it (SQL Server's
	// MIN_ACTIVE_ROWVERSION(), Oracle's low-water mark) rather than reading
	// past it the changes of transactions that committed since
	// (PostgreSQL's snapshots). Either way nothing is skipped.
	OpenTransactionsHoldBack() bool
}

// Execer is the part of *sql.DB, *sql.Conn and *sql.Tx that Exec uses.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
}

// Table is a table described without a vendor's types.
type Table struct {
	Name    string
	Columns []Column
	// Key is the primary key's columns.
	Key []string
	// Unique names columns that are each unique on their own.
	Unique []string
	// References are foreign keys of single columns.
	References []Reference
}

// Column is a column of a Table. The harness picks the type: integer is a
// 64-bit integer; decimal is exact with Precision and Scale; float is a
// float64; text is Unicode of at least 400 characters that a unique
// constraint can cover; binary holds at least 400 bytes; time, timestamp
// and timestamptz keep 6 fractional digits (timestamptz may keep the offset
// or only the instant); uuid, bool and date are the obvious types.
type Column struct {
	Name             string
	Kind             fsql.Kind
	Precision, Scale int
	Nullable         bool
}

// Reference is a foreign key: Column refers to Table's primary key column To.
type Reference struct {
	Column, Table, To string
	// Deferred asks for a key checked at commit, where the dialect has
	// such keys (Types.Deferred); elsewhere it is checked at each
	// statement.
	Deferred bool
}

// Types are a dialect's column types for the suite's kinds (see Column).
type Types struct {
	ByKind map[fsql.Kind]string
	// Decimal is a format of the decimal type's precision and scale,
	// "numeric(%d,%d)".
	Decimal string
	// Deferred is what follows a foreign key checked at commit
	// ("DEFERRABLE INITIALLY DEFERRED"), "" for a dialect without them.
	Deferred string
}

// CreateSQL is table's CREATE TABLE in schema, in the SQL the dialects
// share, with names quoted by d: what a harness's CreateTable runs.
func (tb Table) CreateSQL(d fsql.Dialect, schema string, types Types) (string, error) {
	// Names are folded as the suite's bare names in statements are.
	name := func(n string) string { return d.Quote(d.Fold(n)) }
	var defs []string
	for _, c := range tb.Columns {
		t, ok := types.ByKind[c.Kind]
		if c.Kind == fsql.KindDecimal {
			t, ok = fmt.Sprintf(types.Decimal, c.Precision, c.Scale), types.Decimal != ""
		}
		if !ok {
			return "", fmt.Errorf("%s has no type for column %s of kind %s", d.Name(), c.Name, c.Kind)
		}
		null := " NOT NULL"
		if c.Nullable {
			null = " NULL"
		}
		defs = append(defs, name(c.Name)+" "+t+null)
	}
	keys := make([]string, len(tb.Key))
	for i, k := range tb.Key {
		keys[i] = name(k)
	}
	defs = append(defs, "PRIMARY KEY ("+strings.Join(keys, ", ")+")")
	for _, u := range tb.Unique {
		defs = append(defs, "UNIQUE ("+name(u)+")")
	}
	for _, r := range tb.References {
		fk := fmt.Sprintf("FOREIGN KEY (%s) REFERENCES %s (%s)", name(r.Column), d.Quote(schema, d.Fold(r.Table)), name(r.To))
		if r.Deferred && types.Deferred != "" {
			fk += " " + types.Deferred
		}
		defs = append(defs, fk)
	}
	return "CREATE TABLE " + d.Quote(schema, d.Fold(tb.Name)) + " (\n\t" + strings.Join(defs, ",\n\t") + "\n)", nil
}

// Database is a database (or schema, or user) a test created on a real
// server for the end-to-end tests (package e2e), removed when the test ends.
type Database struct {
	// DSN is what Ferry connects with (migrate, relay, apply) and the test
	// writes and reads rows with.
	DSN string
	// Schema holds the test's tables, named as the catalog holds it.
	Schema string
	// CaptureSchema is a source's capture schema as the catalog holds it,
	// "" for Ferry's default.
	CaptureSchema string
}
