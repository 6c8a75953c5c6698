package migrations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ferry-cdc/ferry/config"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// fileDescriber is a source that describes the tables of a catalog file
// as its Describe describes the live catalog (sql/sqlserver).
type fileDescriber interface {
	DescribeFile(t *fsql.CatalogTable) (*fsql.Table, error)
}

// errOffline: a Migrator built from a catalog file only plans.
var errOffline = errors.New("planned from a catalog file, without a connection: only generate can run")

// ReadCatalogFile reads the catalog file at path for a source of dialect
// d and checks it, the dialect's own checks included (DescribeFile of every
// table), reporting every problem at once with its file:line.
func ReadCatalogFile(path string, d fsql.SourceDialect) (*fsql.CatalogFile, error) {
	fd, ok := d.Source().(fileDescriber)
	if !ok {
		return nil, fmt.Errorf("dialect %s does not read catalog files; generate from its live catalog", d.Name())
	}
	return fsql.ReadCatalogFile(path, func(t *fsql.CatalogTable) error {
		_, err := fd.DescribeFile(t)
		return err
	})
}

// NewFromCatalog returns a Migrator that plans capture of the source from
// a catalog file instead of a connection, for `ferry migrate generate
// --catalog`: it plans what `up` would run on a source where Ferry has
// never been installed and whose catalog holds the file's tables. It
// can Plan and Generate, nothing else.
func NewFromCatalog(source *config.Source, d fsql.SourceDialect, cat *fsql.CatalogFile, log *slog.Logger) (*Migrator, error) {
	if _, ok := d.Source().(fileDescriber); !ok {
		return nil, fmt.Errorf("source %s: dialect %s does not read catalog files; generate from its live catalog", source.Name, d.Name())
	}
	m, err := New(source, d, nil, log)
	if err != nil {
		return nil, err
	}
	m.catalog = cat
	return m, nil
}

// names resolves the config's names: with the default schema the
// connection gives, or the one the catalog file gives.
func (m *Migrator) names(ctx context.Context) (fsql.Names, error) {
	if m.catalog == nil {
		return fsql.NamesOf(ctx, m.dialect, m.db)
	}
	if m.catalog.DefaultSchema != "" {
		return fsql.Names{Default: m.catalog.DefaultSchema, Fold: m.dialect.Fold}, nil
	}
	names, err := fsql.NamesOf(ctx, m.dialect, nil)
	if errors.Is(err, fsql.ErrNeedsConnection) {
		err = fmt.Errorf("%w: give default_schema in the catalog file", err)
	}
	return names, err
}

// describe reads a table from the catalog, or from the catalog file.
func (m *Migrator) describe(ctx context.Context, schema, table string) (*fsql.Table, error) {
	if m.catalog == nil {
		return m.dialect.Describe(ctx, m.db, schema, table)
	}
	ct, err := m.catalog.Table(schema, table)
	if err != nil {
		return nil, err
	}
	return m.src.(fileDescriber).DescribeFile(ct)
}

// registry reads the captured tables; a catalog file's source has none.
func (m *Migrator) registry(ctx context.Context) ([]fsql.Registered, error) {
	if m.catalog != nil {
		return nil, nil
	}
	return m.cap.Registry(ctx, m.db, m.schema)
}
