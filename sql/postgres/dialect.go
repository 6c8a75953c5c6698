package postgres

import (
	stdsql "database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Dialect is PostgreSQL (11 or newer: EXECUTE FUNCTION, xid8 needs 13).
type Dialect struct{}

var _ fsql.Dialect = Dialect{}

// Name is "postgres".
func (Dialect) Name() string { return "postgres" }

// DefaultSchema is "public".
func (Dialect) DefaultSchema() string { return "public" }

// Open returns a pool through pgx's database/sql driver.
func (Dialect) Open(dsn string) (*stdsql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors can quote the DSN; never pass them on.
		return nil, fmt.Errorf("parse postgres dsn: %w", errRedacted)
	}
	return stdlib.OpenDB(*cfg), nil
}

// Goose is goose's postgres dialect.
func (Dialect) Goose() database.Dialect { return database.DialectPostgres }

// MigrationLocker takes a session advisory lock for the whole migrate run.
func (Dialect) MigrationLocker() (lock.SessionLocker, error) {
	return lock.NewPostgresSessionLocker()
}

// Capture generates PostgreSQL capture DDL.
func (Dialect) Capture() fsql.Capture { return capture{} }
