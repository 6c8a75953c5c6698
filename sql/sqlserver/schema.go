package sqlserver

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"text/template"
)

// schemaFiles are the capture schema's goose migrations (goose's mssql
// dialect), templates over {{.Schema}}, the quoted capture schema.
//
//go:embed schema/*.sql
var schemaFiles embed.FS

// SchemaFiles is the capture schema's migrations as templates, one file per
// goose version, for the migrator.
func SchemaFiles() fs.FS {
	sub, _ := fs.Sub(schemaFiles, "schema") // the directory is embedded
	return sub
}

// SchemaMigration is one rendered capture schema migration.
type SchemaMigration struct {
	Name string // file name, e.g. 00001_capture_schema.sql
	SQL  string
}

// RenderSchema renders the capture schema's migrations for captureSchema,
// in version order.
func RenderSchema(captureSchema string) ([]SchemaMigration, error) {
	names, err := fs.Glob(schemaFiles, "schema/*.sql")
	if err != nil {
		return nil, err
	}
	data := map[string]string{"Schema": ident(captureSchema)}
	var out []SchemaMigration
	for _, n := range names {
		t, err := template.ParseFS(schemaFiles, n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("render %s: %w", n, err)
		}
		out = append(out, SchemaMigration{Name: path.Base(n), SQL: b.String()})
	}
	return out, nil
}

// PrepareSchema creates the capture schema if it is missing; goose's
// version tables live there, so it runs before goose. CREATE SCHEMA must be
// alone in its batch, hence EXEC.
func (capture) PrepareSchema(captureSchema string) string {
	return fmt.Sprintf("IF SCHEMA_ID(%s) IS NULL EXEC(%s)", literal(captureSchema), literal("CREATE SCHEMA "+ident(captureSchema)))
}

// QuoteIdent quotes a possibly qualified name for the capture schema's
// migration templates.
func (capture) QuoteIdent(parts ...string) string { return ident(parts...) }
