package sql

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

// CatalogFile is a source's catalog written down: the tables `ferry
// migrate generate --catalog` plans capture for, with no connection to
// the database, for review. Each column says what the database's own
// catalog would (its type as the database prints it, nullability and the
// facts capture depends on); the source dialect turns a CatalogTable into
// a Table as its Describe turns the live catalog into one.
type CatalogFile struct {
	// DefaultSchema is the schema a bare table name in the config means
	// for the user that would run `ferry migrate up` (SQL Server: that
	// user's default schema); empty means the dialect's fixed one, where
	// it has one.
	DefaultSchema string         `yaml:"default_schema"`
	Tables        []CatalogTable `yaml:"tables"`
}

// CatalogTable is one table of a CatalogFile.
type CatalogTable struct {
	Schema     string          `yaml:"schema"`
	Name       string          `yaml:"name"`
	Columns    []CatalogColumn `yaml:"columns"`
	PrimaryKey []string        `yaml:"primary_key"`
	// Unique lists the unique indexes besides the primary key that can
	// identify a row (on columns, without a filter, enabled).
	Unique []CatalogUnique `yaml:"unique"`
}

// CatalogColumn is one column of a CatalogTable, in table order.
type CatalogColumn struct {
	Name string `yaml:"name"`
	// Type as the database prints it: "nvarchar(100)", "decimal(12,2)".
	Type     string `yaml:"type"`
	Nullable bool   `yaml:"nullable"`
	// Identity: the database numbers the column itself.
	Identity bool `yaml:"identity"`
	// Computed: a computed column; Generated: GENERATED ALWAYS (a temporal
	// period or ledger column).
	Computed  bool `yaml:"computed"`
	Generated bool `yaml:"generated"`
	// Collation of a text column, and its code page (SQL Server: 1252 for
	// Latin1 collations, 65001 for UTF-8 ones).
	Collation string `yaml:"collation"`
	CodePage  int    `yaml:"code_page"`
	// Default is the default's definition, as the catalog prints it.
	Default string `yaml:"default"`
}

// CatalogUnique is a unique index of a CatalogTable.
type CatalogUnique struct {
	Name    string   `yaml:"name"`
	Columns []string `yaml:"columns"`
}

// ReadCatalogFile reads and checks a catalog file (YAML). An unknown key
// is an error, with its line; so is a table or column without a name or
// twice in the file.
func ReadCatalogFile(path string) (*CatalogFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the catalog file: %w", err)
	}
	var f CatalogFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var errs []error
	tables := map[Relation]bool{}
	for i, t := range f.Tables {
		what := fmt.Sprintf("%s: table %d (%s.%s)", path, i+1, t.Schema, t.Name)
		switch r := (Relation{t.Schema, t.Name}); {
		case t.Schema == "" || t.Name == "":
			errs = append(errs, fmt.Errorf("%s: give its schema and name", what))
		case tables[r]:
			errs = append(errs, fmt.Errorf("%s: in the file twice", what))
		default:
			tables[r] = true
		}
		if len(t.Columns) == 0 {
			errs = append(errs, fmt.Errorf("%s: no columns", what))
		}
		columns := map[string]bool{}
		for j, c := range t.Columns {
			switch {
			case c.Name == "" || c.Type == "":
				errs = append(errs, fmt.Errorf("%s: column %d: give its name and type", what, j+1))
			case columns[c.Name]:
				errs = append(errs, fmt.Errorf("%s: column %s twice", what, c.Name))
			}
			columns[c.Name] = true
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &f, nil
}

// Table returns the table schema.name of the file, exactly as written.
func (f *CatalogFile) Table(schema, name string) (*CatalogTable, error) {
	for i, t := range f.Tables {
		if t.Schema == schema && t.Name == name {
			return &f.Tables[i], nil
		}
	}
	return nil, fmt.Errorf("%s.%s: %w (in the catalog file)", schema, name, ErrNoTable)
}
