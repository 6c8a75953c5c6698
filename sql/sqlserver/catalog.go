package sqlserver

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// describeTable finds a table by schema and name, exactly as written: the
// names are compared by the catalog's own collation, so a case-insensitive
// database finds "Emp" for "emp" too, as SQL Server itself would.
const describeTable = `
SELECT o.[object_id], o.[type], s.[name], o.[name]
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.[schema_id] = o.[schema_id]
WHERE s.[name] = @p1 AND o.[name] = @p2`

// describeColumns reads each column with its system (base) type, so that an
// alias type (CREATE TYPE ... FROM varchar(10)) reads as what it stores.
// max_length is in bytes: nchar and nvarchar hold two per character.
const describeColumns = `
SELECT c.[name], TYPE_NAME(c.[system_type_id]), c.[max_length], c.[precision], c.[scale],
       c.[is_nullable], c.[is_identity], c.[is_computed], CAST(c.[generated_always_type] AS int),
       t.[is_assembly_type], TYPE_NAME(c.[user_type_id]),
       ISNULL(c.[collation_name], N''), ISNULL(CAST(COLLATIONPROPERTY(c.[collation_name], 'CodePage') AS int), 0),
       ISNULL(d.[definition], N'')
FROM sys.columns AS c
JOIN sys.types AS t ON t.[user_type_id] = c.[user_type_id]
LEFT JOIN sys.default_constraints AS d ON d.[object_id] = c.[default_object_id]
WHERE c.[object_id] = @p1
ORDER BY c.[column_id]`

const describePrimaryKey = `
SELECT c.[name]
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.[object_id] = i.[object_id] AND ic.[index_id] = i.[index_id]
JOIN sys.columns AS c ON c.[object_id] = ic.[object_id] AND c.[column_id] = ic.[column_id]
WHERE i.[object_id] = @p1 AND i.[is_primary_key] = 1
ORDER BY ic.[key_ordinal]`

// describeUnique reads the unique indexes and constraints that can identify
// a row: enabled, without a filter, on columns only (an index's included
// columns do not count), one row per key column in key order.
const describeUnique = `
SELECT i.[name], c.[name]
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.[object_id] = i.[object_id] AND ic.[index_id] = i.[index_id] AND ic.[is_included_column] = 0
JOIN sys.columns AS c ON c.[object_id] = ic.[object_id] AND c.[column_id] = ic.[column_id]
WHERE i.[object_id] = @p1 AND i.[is_unique] = 1 AND i.[is_disabled] = 0 AND i.[has_filter] = 0
ORDER BY i.[name], ic.[key_ordinal]`

var objectTypes = map[string]string{
	"V": "a view", "SN": "a synonym", "IF": "a function", "TF": "a function", "FN": "a function",
	"P": "a procedure", "TT": "a table type", "S": "a system table", "IT": "an internal table",
}

// Describe reads a table's columns, their types as printed, nullability,
// identity, computed and rowversion columns, defaults, and its primary key.
func (Dialect) Describe(ctx context.Context, db fsql.Querier, schema, table string) (*fsql.Table, error) {
	name := schema + "." + table
	var id int64
	var typ, realSchema, realName string
	err := db.QueryRowContext(ctx, describeTable, schema, table).Scan(&id, &typ, &realSchema, &realName)
	if errors.Is(err, stdsql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", name, fsql.ErrNoTable)
	}
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", name, err)
	}
	if typ = trimType(typ); typ != "U" {
		what := objectTypes[typ]
		if what == "" {
			what = "object type " + typ
		}
		return nil, fmt.Errorf("%s is %s, not a table: only tables can be captured", name, what)
	}

	t := &fsql.Table{Schema: realSchema, Name: realName}
	rows, err := db.QueryContext(ctx, describeColumns, id)
	if err != nil {
		return nil, fmt.Errorf("describe columns of %s: %w", name, err)
	}
	for rows.Next() {
		var r catalogColumn
		if err := rows.Scan(&r.name, &r.base, &r.maxLength, &r.precision, &r.scale, &r.nullable, &r.identity,
			&r.computed, &r.generated, &r.assembly, &r.userType, &r.collation, &r.codePage, &r.def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("describe columns of %s: %w", name, err)
		}
		t.Columns = append(t.Columns, r.column())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe columns of %s: %w", name, err)
	}
	rows.Close()

	rows, err = db.QueryContext(ctx, describePrimaryKey, id)
	if err != nil {
		return nil, fmt.Errorf("describe primary key of %s: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var col string
		if err := rows.Scan(&col); err != nil {
			return nil, fmt.Errorf("describe primary key of %s: %w", name, err)
		}
		t.PrimaryKey = append(t.PrimaryKey, col)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe primary key of %s: %w", name, err)
	}
	rows.Close()
	if t.Unique, err = uniqueIndexes(ctx, db, id); err != nil {
		return nil, fmt.Errorf("describe unique indexes of %s: %w", name, err)
	}
	return t, nil
}

// DescribeFile describes a table of a catalog file (`ferry migrate generate
// --catalog`) as Describe describes one from sys.columns: each printed
// type is taken apart into the lengths the catalog holds, with SQL Server's
// own defaults where the type names none (decimal(18,0), datetime2(7),
// varchar(1)), and goes through the same mapping.
func (source) DescribeFile(ct *fsql.CatalogTable) (*fsql.Table, error) {
	t := &fsql.Table{Schema: ct.Schema, Name: ct.Name, PrimaryKey: ct.PrimaryKey}
	where := func(at, what string) string {
		if at == "" {
			return fmt.Sprintf("table %s.%s %s", short(ct.Schema), short(ct.Name), what)
		}
		return fmt.Sprintf("%s: table %s.%s %s", at, short(ct.Schema), short(ct.Name), what)
	}
	var errs []error
	for _, name := range []string{ct.Schema, ct.Name} {
		if err := checkName(name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where(ct.At, "table"), err))
		}
	}
	for _, c := range ct.Columns {
		r, err := fileColumn(c)
		if err == nil {
			err = checkName(c.Name)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where(c.At, "column "+short(c.Name)), err))
			continue
		}
		t.Columns = append(t.Columns, r.column())
	}
	if len(ct.PrimaryKey) > 0 { // its index is one of sys.indexes' unique ones
		t.Unique = append(t.Unique, fsql.UniqueIndex{Name: "primary key", Columns: ct.PrimaryKey})
	}
	for _, u := range ct.Unique {
		if err := checkName(u.Name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where(u.At, "unique index"), err))
		}
		t.Unique = append(t.Unique, fsql.UniqueIndex{Name: u.Name, Columns: u.Columns})
	}
	return t, errors.Join(errs...)
}

// checkName refuses a name SQL Server cannot hold: a sysname is
// nvarchar(128), 128 UTF-16 code units.
func checkName(name string) error {
	if n := len(utf16.Encode([]rune(name))); n > 128 {
		return fmt.Errorf("its name is %d characters long; SQL Server allows 128", n)
	}
	return nil
}

// short is a name cut for a message.
func short(name string) string {
	if r := []rune(name); len(r) > 40 {
		return string(r[:20]) + "..."
	}
	return name
}

// fileColumn is the row describeColumns would read for a catalog file's
// column. It refuses a type SQL Server does not have, or lengths beyond
// what it allows, as CREATE TABLE would.
func fileColumn(c fsql.CatalogColumn) (catalogColumn, error) {
	typ, err := parseType(c.Type)
	if err != nil {
		return catalogColumn{}, err
	}
	if err := checkFileType(typ); err != nil {
		return catalogColumn{}, fmt.Errorf("type %s: %w", c.Type, err)
	}
	given := strings.Contains(c.Type, "(")
	r := catalogColumn{
		name: c.Name, base: typ.Base, userType: typ.Base, collation: c.Collation, codePage: c.CodePage, def: c.Default,
		nullable: c.Nullable, identity: c.Identity, computed: c.Computed,
		precision: typ.Precision, scale: typ.Scale,
	}
	if c.Generated {
		r.generated = 1
	}
	switch typ.Base {
	case "decimal", "numeric":
		if !given {
			r.precision = 18
		}
	case "time", "datetime2", "datetimeoffset":
		if !given {
			r.scale = 7
		}
	case "float":
		r.precision = 53
	case "rowversion":
		r.base = "timestamp" // as TYPE_NAME(system_type_id) prints it
	case "char", "varchar", "binary", "varbinary", "nchar", "nvarchar":
		r.maxLength = typ.Length
		if !given {
			r.maxLength = 1
		}
		if (typ.Base == "nchar" || typ.Base == "nvarchar") && r.maxLength > 0 {
			r.maxLength *= 2 // bytes, as sys.columns counts them
		}
	case "hierarchyid", "geography", "geometry":
		r.assembly = true
	}
	return r, nil
}

// checkFileType refuses what CREATE TABLE would: a type SQL Server does
// not have, and lengths, precisions and scales beyond its limits.
func checkFileType(t colType) error {
	if _, ok := kinds[t.Base]; !ok && unsupported[t.Base] == "" && t.Base != "timestamp" {
		return fmt.Errorf("unknown SQL Server type %s", t.Base)
	}
	switch t.Base {
	case "decimal", "numeric":
		if t.Precision > 38 {
			return fmt.Errorf("precision %d: SQL Server allows 1 to 38", t.Precision)
		}
	case "char", "varchar", "binary", "varbinary":
		if t.Length > 8000 {
			return fmt.Errorf("length %d: SQL Server allows 1 to 8000, or max for varchar and varbinary", t.Length)
		}
	case "nchar", "nvarchar":
		if t.Length > 4000 {
			return fmt.Errorf("length %d: SQL Server allows 1 to 4000, or max for nvarchar", t.Length)
		}
	}
	if t.Length == maxLength && (t.Base == "char" || t.Base == "nchar" || t.Base == "binary") {
		return fmt.Errorf("%s(max): SQL Server has max only for varchar, nvarchar and varbinary", t.Base)
	}
	return nil
}

// uniqueIndexes reads describeUnique. SQL Server checks every unique index
// at the end of each statement: none is deferrable.
func uniqueIndexes(ctx context.Context, db fsql.Querier, id int64) ([]fsql.UniqueIndex, error) {
	rows, err := db.QueryContext(ctx, describeUnique, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fsql.UniqueIndex
	for rows.Next() {
		var index, col string
		if err := rows.Scan(&index, &col); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].Name != index {
			out = append(out, fsql.UniqueIndex{Name: index})
		}
		out[len(out)-1].Columns = append(out[len(out)-1].Columns, col)
	}
	return out, rows.Err()
}

// trimType drops the padding of sys.objects.type, a char(2).
func trimType(s string) string {
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// catalogColumn is one row of describeColumns.
type catalogColumn struct {
	name, base, userType, collation, def string
	maxLength                            int
	precision, scale                     int
	nullable, identity, computed         bool
	generated                            int
	assembly                             bool
	codePage                             int
}

// column turns a catalog row into a Column: the type printed from the
// base type and its lengths, the kind, and the facts in Category.
func (r catalogColumn) column() fsql.Column {
	t := colType{Base: r.base}
	switch r.base {
	case "decimal", "numeric":
		t.Precision, t.Scale = r.precision, r.scale
	case "time", "datetime2", "datetimeoffset":
		t.Scale = r.scale
	case "char", "varchar", "binary", "varbinary":
		t.Length = r.maxLength
	case "nchar", "nvarchar":
		t.Length = r.maxLength
		if t.Length > 0 {
			t.Length /= 2
		}
	case "timestamp":
		t.Base = "rowversion"
	case "float":
		if r.precision <= 24 {
			t.Base = "real" // float(1..24) is real
		}
	}
	if r.assembly {
		// hierarchyid, geography, geometry and CLR types share one system type id.
		t = colType{Base: r.userType}
	}
	f := facts{
		Identity: r.identity, Computed: r.computed, Generated: r.generated != 0,
		RowVersion: t.Base == "rowversion", CLR: r.assembly && kindOf(r.userType) == "" && unsupported[r.userType] == "",
		Default: r.def,
	}
	if r.collation != "" {
		f.Collation, f.CodePage = r.collation, r.codePage
	}
	c := fsql.Column{
		Name: r.name, Type: t.String(), Kind: kindOf(t.Base), Nullable: r.nullable,
		BaseType: t.Base, Category: f.encode(),
		Generated: !f.writable(), Default: r.def != "" || r.identity,
	}
	if r.identity {
		// An IDENTITY column takes a written value only under
		// SET IDENTITY_INSERT, which the target's MERGE sets.
		c.Identity = fsql.IdentityAlways
	}
	return c
}

// DefaultSchemaOf is the schema a bare table name means for the connected
// user, read at run time: SQL Server's default schema belongs to the user
// (ALTER USER ... WITH DEFAULT_SCHEMA), "dbo" only by default.
func DefaultSchemaOf(ctx context.Context, db fsql.Querier) (string, error) {
	var s stdsql.NullString
	if err := db.QueryRowContext(ctx, `SELECT SCHEMA_NAME()`).Scan(&s); err != nil {
		return "", fmt.Errorf("read the default schema: %w", err)
	}
	if !s.Valid || s.String == "" {
		return "dbo", nil
	}
	return s.String, nil
}

// schemaOwner reads who owns a schema, and the kind of principal it is.
const schemaOwner = `
SELECT p.[name], p.[type]
FROM sys.schemas AS s
JOIN sys.database_principals AS p ON p.[principal_id] = s.[principal_id]
WHERE s.[name] = @p1`

// CheckOwner refuses to capture tables of a schema that a role owns: the
// capture trigger runs WITH EXECUTE AS OWNER, and SQL Server cannot
// impersonate a role, so every write to the table would fail. Migrating
// should call it once per captured schema before installing triggers.
func CheckOwner(ctx context.Context, db fsql.Querier, schema string) error {
	var owner, typ string
	err := db.QueryRowContext(ctx, schemaOwner, schema).Scan(&owner, &typ)
	if errors.Is(err, stdsql.ErrNoRows) {
		return fmt.Errorf("schema %s does not exist", schema)
	}
	if err != nil {
		return fmt.Errorf("read the owner of schema %s: %w", schema, err)
	}
	if trimType(typ) == "R" {
		return fmt.Errorf("schema %s is owned by the role %s: the capture trigger runs as the table's owner "+
			"(WITH EXECUTE AS OWNER), which cannot be a role; make a user own the schema (ALTER AUTHORIZATION)", schema, owner)
	}
	return nil
}
