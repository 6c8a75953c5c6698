package postgres

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Dialect is PostgreSQL (11 or newer: EXECUTE FUNCTION, xid8 needs 13), as
// a source and as a target.
type Dialect struct{}

var (
	_ fsql.SourceDialect = Dialect{}
	_ fsql.TargetDialect = Dialect{}
)

// Name is "postgres".
func (Dialect) Name() string { return "postgres" }

// Facts: PostgreSQL's DDL is transactional, and an error ends only the
// statement's savepoint: rolling back to it leaves the transaction usable.
func (Dialect) Facts() fsql.Facts {
	return fsql.Facts{TransactionalDDL: true, ErrorDoomsTransaction: false}
}

// Quote quotes a possibly qualified name: "public"."Emp".
func (Dialect) Quote(parts ...string) string { return ident(parts...) }

// Fold keeps a config name as written: Ferry has always taken PostgreSQL
// names from the config exactly (emp is emp, Emp is "Emp"), and folding
// now would change what existing configs mean.
func (Dialect) Fold(name string) string { return name }

// DefaultSchema is "public", without asking the connection. PostgreSQL's
// own default follows search_path, whose "$user" would resolve to a
// schema named like the connecting role (often the capture schema
// itself, "ferry"), and a bare name's topic must not change with who
// connects; a table elsewhere is named with its schema.
func (Dialect) DefaultSchema(context.Context, fsql.Querier) (string, error) { return "public", nil }

// Open returns a pool through pgx's database/sql driver.
func (Dialect) Open(dsn string) (*stdsql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors can quote the DSN; never pass them on.
		return nil, fmt.Errorf("parse postgres dsn: %w", errRedacted)
	}
	return stdlib.OpenDB(*cfg), nil
}

// Redact is the DSN as a URL parsed by pgx, with the password and any
// other secret parameter shown as xxxxx.
func (Dialect) Redact(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "postgres://(invalid connection string, not shown)"
	}
	d := fsql.DSN{Scheme: "postgres", Host: cfg.Host, Path: "/" + cfg.Database, User: cfg.User,
		HasPassword: cfg.Password != "", Params: cfg.RuntimeParams}
	if cfg.Port != 0 {
		d.Host += ":" + strconv.Itoa(int(cfg.Port))
	}
	return d.Redacted()
}

// source is PostgreSQL as a source.
type source struct{}

// Source captures PostgreSQL tables.
func (Dialect) Source() fsql.Source { return source{} }

// Capture generates PostgreSQL capture DDL.
func (source) Capture() fsql.Capture { return capture{} }
