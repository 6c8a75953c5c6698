package sql

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"text/template"
)

// SchemaMigration is one version of a capture schema, rendered.
type SchemaMigration struct {
	Version int64
	Name    string // file name, e.g. 00001_capture_schema.sql
	SQL     string
}

// RenderSchema renders a dialect's capture schema migrations
// (Capture.SchemaFiles) for the capture schema quoted as quotedSchema, in
// version order.
func RenderSchema(files fs.FS, quotedSchema string) ([]SchemaMigration, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no capture schema migrations")
	}
	data := map[string]string{"Schema": quotedSchema}
	var out []SchemaMigration
	for _, n := range names { // Glob sorts
		t, err := template.ParseFS(files, n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("render %s: %w", n, err)
		}
		var version int64
		if _, err := fmt.Sscanf(path.Base(n), "%d_", &version); err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its version: %w", n, err)
		}
		out = append(out, SchemaMigration{Version: version, Name: path.Base(n), SQL: b.String()})
	}
	return out, nil
}

// TableDropper is a dialect whose SQL has no DROP TABLE IF EXISTS (Oracle
// 19c): DropTableIfExists is the statement that drops a table and succeeds
// when it is gone. Callers use "DROP TABLE IF EXISTS" with the others.
type TableDropper interface {
	DropTableIfExists(quotedTable string) string
}

// DropTableIfExists is the dialect's statement that drops quotedTable if it
// exists.
func DropTableIfExists(d any, quotedTable string) string {
	if td, ok := d.(TableDropper); ok {
		return td.DropTableIfExists(quotedTable)
	}
	return "DROP TABLE IF EXISTS " + quotedTable
}
