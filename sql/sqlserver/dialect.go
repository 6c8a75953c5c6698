package sqlserver

import (
	stdsql "database/sql"
	"fmt"

	mssql "github.com/microsoft/go-mssqldb"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Dialect is SQL Server 2016 SP1 or newer (CREATE OR ALTER, DROP ... IF
// EXISTS, CURRENT_TRANSACTION_ID, STRING_ESCAPE, OPENJSON; a database at
// compatibility level 130 or above), or Azure SQL.
type Dialect struct{}

var _ fsql.Dialect = Dialect{}

// Name is "sqlserver".
func (Dialect) Name() string { return "sqlserver" }

// DefaultSchema is "dbo", what a user without a default schema of its own
// gets. The contract's DefaultSchema has no connection to ask; the schema of
// the connected user is DefaultSchemaOf.
func (Dialect) DefaultSchema() string { return "dbo" }

// Open returns a pool through go-mssqldb's connector. It does not connect.
func (Dialect) Open(dsn string) (*stdsql.DB, error) {
	if _, err := parseDSN(dsn); err != nil {
		return nil, err
	}
	c, err := mssql.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse sqlserver dsn: %w", errRedacted)
	}
	return stdsql.OpenDB(c), nil
}

// Goose is goose's mssql dialect.
func (Dialect) Goose() database.Dialect { return database.DialectMSSQL }

// MigrationLocker serialises `ferry migrate` runs with an application lock
// owned by the session (goose has no SQL Server locker).
func (Dialect) MigrationLocker() (lock.SessionLocker, error) {
	return migrationLocker{}, nil
}

// Capture generates SQL Server capture DDL.
func (Dialect) Capture() fsql.Capture { return capture{} }

// Facts the applier and the migrator must respect (CONTRACT.md: properties of
// the dialect that the callers respect). They are constants of the dialect,
// not settings.
const (
	// TransactionalDDL: SQL Server runs CREATE/ALTER/DROP inside a
	// transaction and rolls them back with it.
	TransactionalDDL = true
	// ErrorsDoomTransactions: an error can leave the transaction
	// uncommittable (XACT_STATE() = -1, error 3930) or roll it back
	// outright (deadlock 1205, XACT_ABORT). A savepoint does not rescue
	// such a transaction: see Doomed.
	ErrorsDoomTransactions = true
	// FoldsUnquotedNames is false: SQL Server keeps a name as written and
	// compares names with the database's collation (usually case-insensitive).
	FoldsUnquotedNames = false
)
