package sql

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// ErrNoTable is returned (wrapped) by Dialect.Describe for a table that does not exist.
var ErrNoTable = errors.New("table does not exist")

// Table is a table as the source's catalog describes it.
type Table struct {
	Schema     string
	Name       string
	Columns    []Column
	PrimaryKey []string
}

// Column is one column of a table.
type Column struct {
	Name string `json:"name"`
	// Type is the type as the database prints it, e.g. "numeric(38,10)".
	Type string `json:"type"`
	// Kind is the dialect's classification of the type, used by the relay and
	// the applier to carry values exactly (see the Kind constants).
	Kind Kind `json:"kind"`
	// Elem is the kind of an array's elements; empty for other kinds.
	Elem     Kind `json:"elem,omitempty"`
	Nullable bool `json:"nullable"`

	// BaseType is the underlying type the dialect checks (an array's element
	// type, a domain's base type); not stored.
	BaseType string `json:"-"`
	// Category is a dialect-specific classification of BaseType; not stored.
	Category string `json:"-"`
	// Array is true for array columns; not stored.
	Array bool `json:"-"`
	// MaxBytes is the most bytes one value of the column can take in the
	// change envelope, escapes included, or Unbounded when only the
	// database's own limit on a value bounds it (text, binary, JSON,
	// arrays); not stored.
	MaxBytes int64 `json:"-"`
}

// Unbounded is Column.MaxBytes of a column whose values have no size limit
// of their own.
const Unbounded = -1

// Kind says how a column's values travel in the change envelope.
type Kind string

// Kinds of values. Decimal values travel as strings, never as float64.
const (
	KindInteger   Kind = "integer"
	KindDecimal   Kind = "decimal"
	KindFloat     Kind = "float"
	KindBool      Kind = "bool"
	KindText      Kind = "text"
	KindBinary    Kind = "binary"
	KindDate      Kind = "date"
	KindTime      Kind = "time"
	KindTimestamp Kind = "timestamp"
	// KindTimestampTZ is an instant, carried with its UTC offset.
	KindTimestampTZ Kind = "timestamptz"
	KindInterval    Kind = "interval"
	KindUUID        Kind = "uuid"
	KindJSON        Kind = "json"
	KindArray       Kind = "array"
)

// Column returns the named column, or false.
func (t *Table) Column(name string) (Column, bool) {
	i := slices.IndexFunc(t.Columns, func(c Column) bool { return c.Name == name })
	if i < 0 {
		return Column{}, false
	}
	return t.Columns[i], true
}

// String is "schema.table", for messages.
func (t *Table) String() string { return t.Schema + "." + t.Name }

// CaptureSpec is everything the dialect needs to capture one table.
type CaptureSpec struct {
	CaptureSchema string
	// ID identifies the table in outbox rows; stable for the table's life in the registry.
	ID      int
	Table   *Table
	Key     []string
	Exclude []string
}

// Registered is a table recorded in the capture registry by a migration.
type Registered struct {
	ID      int
	Schema  string
	Name    string
	Key     []string
	Exclude []string
	Columns []Column
	// Hash identifies the capture DDL and registry row that installed it.
	Hash string
}

// String is "schema.table", for messages.
func (r Registered) String() string { return r.Schema + "." + r.Name }

// ColumnsJSON is the registry's form of a column list.
func ColumnsJSON(cols []Column) (string, error) {
	b, err := json.Marshal(cols)
	if err != nil {
		return "", fmt.Errorf("encode columns: %w", err)
	}
	return string(b), nil
}
