package postgres

import (
	"embed"
	"io/fs"

	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// schemaFiles are the capture schema's goose migrations, templates over
// {{.Schema}}, the quoted capture schema.
//
//go:embed schema/*.sql
var schemaFiles embed.FS

// SchemaFiles is the capture schema's migrations.
func (capture) SchemaFiles() fs.FS {
	sub, _ := fs.Sub(schemaFiles, "schema") // the directory is embedded
	return sub
}

// Store is goose's postgres store for the version table in the capture
// schema; goose puts the name into its SQL unquoted, which is why capture
// schemas are plain lower-case names.
func (capture) Store(captureSchema, table string) (database.Store, error) {
	return database.NewStore(database.DialectPostgres, captureSchema+"."+table)
}

// MigrationLocker takes a session advisory lock for the whole migrate run.
func (capture) MigrationLocker() (lock.SessionLocker, error) {
	return lock.NewPostgresSessionLocker()
}

// PrepareSchema creates the capture schema, which holds goose's own
// version tables and so must exist before goose runs.
func (capture) PrepareSchema(captureSchema string) string {
	return "CREATE SCHEMA IF NOT EXISTS " + ident(captureSchema)
}
