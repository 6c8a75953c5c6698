package sqlserver

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// schemaFiles are the capture schema's goose migrations (goose's mssql
// dialect), templates over {{.Schema}}, the quoted capture schema.
//
//go:embed schema/*.sql
var schemaFiles embed.FS

// SchemaFiles is the capture schema's migrations.
func (capture) SchemaFiles() fs.FS {
	sub, _ := fs.Sub(schemaFiles, "schema") // the directory is embedded
	return sub
}

// Store is goose's mssql store for the version table in the capture schema.
func (capture) Store(captureSchema, table string) (database.Store, error) {
	return database.NewStore(database.DialectMSSQL, captureSchema+"."+table)
}

// MigrationLocker serialises `ferry migrate` runs with an application lock
// owned by the session (goose has no SQL Server locker).
func (capture) MigrationLocker() (lock.SessionLocker, error) {
	return migrationLocker{}, nil
}

// PrepareSchema creates the capture schema if it is missing; goose's
// version tables live there, so it runs before goose. CREATE SCHEMA must be
// alone in its batch, hence EXEC.
func (capture) PrepareSchema(captureSchema string) string {
	return fmt.Sprintf("IF SCHEMA_ID(%s) IS NULL EXEC(%s)", literal(captureSchema), literal("CREATE SCHEMA "+ident(captureSchema)))
}
