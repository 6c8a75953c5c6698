package oracle

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"

	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
	go_ora "github.com/sijms/go-ora/v2"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Dialect is Oracle Database, 19c or newer (JSON_OBJECT ... RETURNING CLOB
// needs 18c; 128-byte names need 12.2), through go-ora v2.
type Dialect struct{}

var _ fsql.Dialect = Dialect{}

// Name is "oracle".
func (Dialect) Name() string { return "oracle" }

// DefaultSchema is "": in Oracle the default schema is the connecting
// user's (SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')), which only the
// connection knows. Describe reads it for an empty schema; CurrentSchema
// reads it for callers that need the name.
func (Dialect) DefaultSchema() string { return "" }

// CurrentSchema reads the session's current schema.
func CurrentSchema(ctx context.Context, q fsql.Querier) (string, error) {
	var s string
	if err := q.QueryRowContext(ctx, `SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL`).Scan(&s); err != nil {
		return "", fmt.Errorf("read the current schema: %w", err)
	}
	return s, nil
}

// TransactionalDDL is false: Oracle commits before and after every DDL
// statement, so a migration cannot be rolled back and must be made of
// steps that are each safe to repeat (schema.go, capture.go).
func (Dialect) TransactionalDDL() bool { return false }

// ErrorDoomsTransaction is false: an Oracle error rolls back only the
// failed statement; the transaction and its other changes stay.
func (Dialect) ErrorDoomsTransaction() bool { return false }

// Open returns a pool through go-ora; it does not connect. Every
// connection pins the NLS settings that change how values read as text.
func (Dialect) Open(dsn string) (*stdsql.DB, error) {
	if _, err := ParseDSN(dsn); err != nil {
		return nil, err
	}
	base, err := go_ora.NewDriver().OpenConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("open oracle: %w", errRedacted)
	}
	return stdsql.OpenDB(connector{base}), nil
}

// Goose has no Oracle dialect; Ferry brings its own store (GooseStore).
// The current contract asks for a goose dialect name, and an empty one is
// goose's "custom", which database.NewStore refuses: the migration code
// must take GooseStore for Oracle.
func (Dialect) Goose() database.Dialect { return database.DialectCustom }

// GooseStore is goose's version table for Oracle, in the capture schema.
func (Dialect) GooseStore(captureSchema, table string) (database.Store, error) {
	return newStore(captureSchema, table)
}

// MigrationLocker serialises `ferry migrate` runs with a DBMS_LOCK lock
// held by the migrating session.
func (Dialect) MigrationLocker() (lock.SessionLocker, error) {
	return &sessionLocker{name: "ferry.migrate"}, nil
}

// CheckType refuses types whose values the envelope cannot carry exactly.
func (Dialect) CheckType(c fsql.Column) error { return checkType(c) }

// ErrMissingGrant is returned (wrapped) when the session lacks a grant
// Ferry needs; the message names the GRANT statement.
var ErrMissingGrant = errors.New("missing grant")

// Values turns outbox images into the envelope's neutral forms.
func (Dialect) Values() Values { return Values{} }
