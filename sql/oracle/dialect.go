package oracle

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"

	go_ora "github.com/sijms/go-ora/v2"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Dialect is Oracle Database, 19c or newer (JSON_OBJECT ... RETURNING CLOB
// needs 18c; 128-byte names need 12.2), through go-ora v2, as a source
// and as a target.
type Dialect struct{}

var (
	_ fsql.SourceDialect = Dialect{}
	_ fsql.TargetDialect = Dialect{}
)

// Name is "oracle".
func (Dialect) Name() string { return "oracle" }

// Facts: Oracle commits before and after every DDL statement, so a
// migration cannot be rolled back and is made of steps that are each safe
// to repeat (schema/, capture.go); an error rolls back only the failed
// statement, and the transaction with its other changes stays usable.
func (Dialect) Facts() fsql.Facts {
	return fsql.Facts{TransactionalDDL: false, ErrorDoomsTransaction: false}
}

// Quote quotes a possibly qualified name exactly: "HR"."Emp".
func (Dialect) Quote(parts ...string) string { return ident(parts...) }

// Fold upper-cases a name, as Oracle does with an unquoted identifier.
func (Dialect) Fold(name string) string { return Fold(name) }

// DefaultSchema is the session's current schema, the connecting user's
// unless ALTER SESSION SET CURRENT_SCHEMA changed it: without a connection
// it cannot be known.
func (Dialect) DefaultSchema(ctx context.Context, q fsql.Querier) (string, error) {
	if q == nil {
		return "", fmt.Errorf("oracle: %w", fsql.ErrNeedsConnection)
	}
	return CurrentSchema(ctx, q)
}

// CurrentSchema reads the session's current schema.
func CurrentSchema(ctx context.Context, q fsql.Querier) (string, error) {
	var s string
	if err := q.QueryRowContext(ctx, `SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL`).Scan(&s); err != nil {
		return "", fmt.Errorf("read the current schema: %w", err)
	}
	return s, nil
}

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

// Redact is the DSN with its secrets replaced (dsn.go).
func (Dialect) Redact(dsn string) string { return Redact(dsn) }

// Classify sorts an error by its ORA- number (errors.go).
func (Dialect) Classify(err error) fsql.ErrorClass { return classOf(classify(err)) }

// Values turns outbox images into the envelope's neutral forms.
func (Dialect) Values() fsql.Values { return Values{} }

// ErrMissingGrant is returned (wrapped) when the session lacks a grant
// Ferry needs; the message names the GRANT statement.
var ErrMissingGrant = errors.New("missing grant")

// source is Oracle as a source.
type source struct{}

// Source captures Oracle tables.
func (Dialect) Source() fsql.Source { return source{} }

// CheckType refuses types whose values the envelope cannot carry exactly.
func (source) CheckType(c fsql.Column) error { return checkType(c) }

// Capture generates Oracle capture DDL.
func (source) Capture() fsql.Capture { return capture{} }
