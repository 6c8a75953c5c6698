package sqlserver

import (
	"context"
	stdsql "database/sql"
	"fmt"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Dialect is SQL Server 2016 SP1 or newer (CREATE OR ALTER, DROP ... IF
// EXISTS, CURRENT_TRANSACTION_ID, STRING_ESCAPE, OPENJSON; a database at
// compatibility level 130 or above), or Azure SQL, as a source and as a
// target.
type Dialect struct{}

var (
	_ fsql.SourceDialect = Dialect{}
	_ fsql.TargetDialect = Dialect{}
)

// Name is "sqlserver".
func (Dialect) Name() string { return "sqlserver" }

// Facts: SQL Server runs CREATE/ALTER/DROP inside a transaction and rolls
// them back with it; an error can leave the transaction uncommittable
// (XACT_STATE() = -1, error 3930) or roll it back outright (a deadlock,
// XACT_ABORT), which no savepoint rescues.
func (Dialect) Facts() fsql.Facts {
	return fsql.Facts{TransactionalDDL: true, ErrorDoomsTransaction: true}
}

// Quote quotes a possibly qualified name in brackets: [dbo].[Emp].
func (Dialect) Quote(parts ...string) string { return ident(parts...) }

// Fold keeps a name as written: SQL Server does not fold names, it
// compares them with the database's collation (usually ignoring case).
func (Dialect) Fold(name string) string { return name }

// DefaultSchema is the connected user's default schema (ALTER USER ...
// WITH DEFAULT_SCHEMA), "dbo" only by default: without a connection it
// cannot be known.
func (Dialect) DefaultSchema(ctx context.Context, q fsql.Querier) (string, error) {
	if q == nil {
		return "", fmt.Errorf("sqlserver: %w", fsql.ErrNeedsConnection)
	}
	return DefaultSchemaOf(ctx, q)
}

// Open returns a pool through go-mssqldb's connector. It does not
// connect; each connection's handshake is bounded (connect.go).
func (Dialect) Open(dsn string) (*stdsql.DB, error) {
	c, err := newConnector(dsn)
	if err != nil {
		return nil, err
	}
	return stdsql.OpenDB(c), nil
}

// Redact is the DSN with its secrets replaced (dsn.go).
func (Dialect) Redact(dsn string) string { return Redact(dsn) }

// Classify sorts an error by its number (ClassifyError).
func (Dialect) Classify(err error) fsql.ErrorClass { return classOf(ClassifyError(err)) }

// source is SQL Server as a source.
type source struct{}

// Source captures SQL Server tables.
func (Dialect) Source() fsql.Source { return source{} }

// Capture generates SQL Server capture DDL.
func (source) Capture() fsql.Capture { return capture{} }
