package sql

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// ErrNoTable is returned (wrapped) by Dialect.Describe for a table that does not exist.
var ErrNoTable = errors.New("table does not exist")

// Table is a table as the catalog describes it.
type Table struct {
	Schema     string
	Name       string
	Columns    []Column
	PrimaryKey []string
	// Unique lists the unique indexes whose columns can identify a row: on
	// plain columns, without a predicate, valid. The primary key is one.
	Unique []UniqueIndex
	// Partitioned is true for a partitioned table, whose rows live in its
	// partitions: at every level, sorted by name, in Partitions.
	Partitioned bool
	Partitions  []Partition
	// PartitionOf names the partitioned table this table is a partition of.
	PartitionOf string
	// InheritsFrom and Inheritors name the table's inheritance parents and
	// children (not partitions).
	InheritsFrom, Inheritors []string

	// What a target needs to know beyond the columns; capture ignores it.

	// KeyDeferrable: the primary key is checked at commit, so the database
	// cannot use it to find the row an insert conflicts with; the target
	// updates the rows that exist and inserts the others instead.
	KeyDeferrable bool
	// UniqueConstraints lists the unique constraints and indexes besides the
	// primary key, partial and expression ones included: any of them can
	// refuse a row.
	UniqueConstraints []Constraint
	// Checks lists the check constraints.
	Checks []Constraint
	// Triggers names the triggers that fire when rows are written.
	Triggers []string
	// ReferencedBy names the foreign keys of other tables that refer to this
	// one, as "schema.table (constraint)".
	ReferencedBy []string
}

// Constraint is a unique or check constraint of a table.
type Constraint struct {
	Name string
	// Definition is the constraint as the database prints it.
	Definition string
	// Deferrable: checked at commit rather than at each statement, unless
	// the transaction says otherwise.
	Deferrable bool
}

// UniqueIndex is a unique index or constraint.
type UniqueIndex struct {
	Name    string
	Columns []string
	// Deferrable means a transaction may put off the check (SET
	// CONSTRAINTS ... DEFERRED) to its commit, and so let two rows share
	// the key between statements; InitiallyDeferred means it does unless
	// told otherwise.
	Deferrable, InitiallyDeferred bool
}

// Partition is one partition of a partitioned table.
type Partition struct {
	Relation
	// Leaf is true for a partition that holds rows, false for one that is
	// partitioned itself.
	Leaf bool
}

// Relation names a table in a schema.
type Relation struct{ Schema, Name string }

// String is "schema.table", for messages.
func (r Relation) String() string { return r.Schema + "." + r.Name }

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
	// Nondeterministic is true for a text column whose collation calls
	// different strings equal (case-insensitive, for example); not stored.
	Nondeterministic bool `json:"-"`
	// RefusesNull is true for a column whose type (a domain) does not
	// accept NULL, whatever the column's own NOT NULL says; not stored.
	RefusesNull bool `json:"-"`

	// Identity is IdentityAlways or IdentityByDefault for a column whose
	// values the database numbers itself, "" otherwise; not stored.
	Identity string `json:"-"`
	// Generated: the database computes the value from other columns; it is
	// never written. Not stored.
	Generated bool `json:"-"`
	// Default: the column has a default, which an insert that leaves the
	// column out gets; not stored.
	Default bool `json:"-"`

	// What a target checks before it writes a value, so that nothing is
	// rounded, when Limits says the catalog gave them: Scale is the digits
	// a decimal keeps after the point, or the fractional digits of seconds
	// a time, timestamp, timestamptz or interval keeps; Precision is a
	// decimal's digits in all, or a float's bits of mantissa (24 for a
	// float32, 53 for a float64). NoLimit where the column has none. Not
	// stored.
	Limits           bool `json:"-"`
	Precision, Scale int  `json:"-"`
}

// NoLimit is a Precision or Scale that the column does not bound.
const NoLimit = -1

// Unbounded is Column.MaxBytes of a column whose values have no size limit
// of their own.
const Unbounded = -1

// Kinds of identity columns.
const (
	// IdentityAlways refuses a written value unless the insert overrides
	// it explicitly (PostgreSQL's OVERRIDING SYSTEM VALUE).
	IdentityAlways = "always"
	// IdentityByDefault takes a written value as it is.
	IdentityByDefault = "by default"
)

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

// Installed is what Capture.Inspect finds of a registered table's capture.
type Installed struct {
	// Table is the table that carries the capture now: the registered name,
	// another after a rename, or "" when no table carries it.
	Table string
	// Problems says, a sentence each, what keeps changes from being
	// captured (a trigger missing or disabled, a partition without its own
	// triggers); none when the capture is complete.
	Problems []string
}
