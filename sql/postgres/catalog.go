package postgres

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"

	fsql "github.com/ferry-cdc/ferry/sql"
)

const describeTable = `
SELECT c.oid, c.relkind
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2`

const describeColumns = `
SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, a.atttypid, a.atttypmod,
	a.attidentity, a.attgenerated <> '', a.atthasdef
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`

const describePrimaryKey = `
SELECT a.attname, NOT i.indimmediate
FROM pg_catalog.pg_index i
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1 AND i.indisprimary
ORDER BY k.ord`

const describeType = `
SELECT t.typname, n.nspname, t.typtype, t.typcategory, t.typelem, t.typbasetype, t.typtypmod
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.oid = $1`

var relkinds = map[string]string{
	"v": "a view", "m": "a materialized view", "S": "a sequence", "f": "a foreign table",
	"i": "an index", "I": "an index", "c": "a composite type", "t": "a TOAST table",
}

// Describe reads a table's columns, their types and its primary key.
func (Dialect) Describe(ctx context.Context, db fsql.Querier, schema, table string) (*fsql.Table, error) {
	name := schema + "." + table
	var oid uint32
	var relkind string
	err := db.QueryRowContext(ctx, describeTable, schema, table).Scan(&oid, &relkind)
	if errors.Is(err, stdsql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", name, fsql.ErrNoTable)
	}
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", name, err)
	}
	if relkind != "r" && relkind != "p" {
		return nil, fmt.Errorf("%s is %s, not a table: only tables can be captured", name, relkinds[relkind])
	}

	t := &fsql.Table{Schema: schema, Name: table, Partitioned: relkind == "p"}
	rows, err := db.QueryContext(ctx, describeColumns, oid)
	if err != nil {
		return nil, fmt.Errorf("describe columns of %s: %w", name, err)
	}
	var typeOIDs []uint32
	var typmods []int32
	for rows.Next() {
		var c fsql.Column
		var typ uint32
		var typmod int32
		var identity string
		if err := rows.Scan(&c.Name, &c.Type, &c.Nullable, &typ, &typmod, &identity, &c.Generated, &c.Default); err != nil {
			rows.Close()
			return nil, fmt.Errorf("describe columns of %s: %w", name, err)
		}
		c.Identity = identities[identity]
		t.Columns = append(t.Columns, c)
		typeOIDs = append(typeOIDs, typ)
		typmods = append(typmods, typmod)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe columns of %s: %w", name, err)
	}
	for i, typ := range typeOIDs {
		domainMod, err := resolveType(ctx, db, typ, &t.Columns[i])
		if err != nil {
			return nil, fmt.Errorf("describe type of %s column %s: %w", name, t.Columns[i].Name, err)
		}
		t.Columns[i].MaxBytes = maxBytes(t.Columns[i], typmods[i])
		if typmods[i] < 0 {
			typmods[i] = domainMod
		}
		limits(&t.Columns[i], typmods[i])
	}

	rows, err = db.QueryContext(ctx, describePrimaryKey, oid)
	if err != nil {
		return nil, fmt.Errorf("describe primary key of %s: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var col string
		if err := rows.Scan(&col, &t.KeyDeferrable); err != nil {
			return nil, fmt.Errorf("describe primary key of %s: %w", name, err)
		}
		t.PrimaryKey = append(t.PrimaryKey, col)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe primary key of %s: %w", name, err)
	}
	if err := describeRelation(ctx, db, oid, t); err != nil {
		return nil, err
	}
	if err := describeTargetFacts(ctx, db, oid, t); err != nil {
		return nil, fmt.Errorf("describe constraints and triggers of %s: %w", name, err)
	}
	return t, nil
}

var identities = map[string]string{"a": fsql.IdentityAlways, "d": fsql.IdentityByDefault}

// resolveType follows domains to their base type and arrays to their
// element type, and sets the column's BaseType, Category, Array and Kind.
// It returns the first domain's type modifier (numeric(10,2) of a domain
// over it), -1 when there is none.
func resolveType(ctx context.Context, db fsql.Querier, oid uint32, c *fsql.Column) (int32, error) {
	domainMod := int32(-1)
	for depth := 0; depth < 16; depth++ {
		var name, nsp, typtype, category string
		var elem, base uint32
		var typmod int32
		if err := db.QueryRowContext(ctx, describeType, oid).Scan(&name, &nsp, &typtype, &category, &elem, &base, &typmod); err != nil {
			return -1, err
		}
		switch {
		case typtype == "d":
			if domainMod < 0 {
				domainMod = typmod
			}
			oid = base
		case category == "A" && elem != 0:
			if c.Array {
				// An array of arrays is one multi-dimensional array in PostgreSQL;
				// reaching here means an array of a domain over an array.
				return -1, fmt.Errorf("nested array type %s", c.Type)
			}
			c.Array = true
			oid = elem
		default:
			c.BaseType = name
			if nsp != "pg_catalog" {
				c.BaseType = nsp + "." + name
			}
			c.Category = typtype + category
			c.Kind = kindOf(c)
			return domainMod, nil
		}
	}
	return -1, fmt.Errorf("type %s nests too deeply", c.Type)
}

// limits sets Precision and Scale from the type modifier: numeric(p,s)
// keeps s digits after the point (a negative s rounds to tens, hundreds), time(p) and its kin p fractional digits
// (6 without one), interval's precision sits in its low 16 bits.
func limits(c *fsql.Column, typmod int32) {
	c.Limits, c.Precision, c.Scale = true, fsql.NoLimit, fsql.NoLimit
	switch c.BaseType {
	case "numeric":
		if typmod >= 4 {
			c.Precision, c.Scale = int((typmod-4)>>16)&0xffff, (int(typmod-4)&0x7ff^1024)-1024 // PostgreSQL 15 allows a negative scale
		}
	case "float4":
		c.Precision = 24
	case "float8":
		c.Precision = 53
	case "time", "timetz", "timestamp", "timestamptz":
		c.Scale = 6
		if typmod >= 0 {
			c.Scale = int(typmod)
		}
	case "interval":
		c.Scale = 6
		if p := int(typmod & 0xffff); typmod >= 0 && p != 0xffff {
			c.Scale = p
		}
	}
}

// kinds are the PostgreSQL base types whose text form the envelope carries
// exactly, and how their values travel.
var kinds = map[string]fsql.Kind{
	"int2": fsql.KindInteger, "int4": fsql.KindInteger, "int8": fsql.KindInteger, "oid": fsql.KindInteger,
	"numeric": fsql.KindDecimal,
	"float4":  fsql.KindFloat, "float8": fsql.KindFloat,
	"bool": fsql.KindBool,
	"text": fsql.KindText, "varchar": fsql.KindText, "bpchar": fsql.KindText, "char": fsql.KindText,
	"name": fsql.KindText, "xml": fsql.KindText, "inet": fsql.KindText, "cidr": fsql.KindText,
	"macaddr": fsql.KindText, "macaddr8": fsql.KindText, "bit": fsql.KindText, "varbit": fsql.KindText,
	"bytea": fsql.KindBinary,
	"date":  fsql.KindDate,
	"time":  fsql.KindTime, "timetz": fsql.KindTime,
	"timestamp":   fsql.KindTimestamp,
	"timestamptz": fsql.KindTimestampTZ,
	"interval":    fsql.KindInterval,
	"uuid":        fsql.KindUUID,
	"json":        fsql.KindJSON, "jsonb": fsql.KindJSON,
}

func kindOf(c *fsql.Column) fsql.Kind {
	k := kinds[c.BaseType]
	if c.Category[0] == 'e' { // enum
		k = fsql.KindText
	}
	if c.Array {
		c.Elem = k
		return fsql.KindArray
	}
	return k
}

// unsupported explains the types that are refused, where a reason helps.
var unsupported = map[string]string{
	"money": "its text form depends on lc_monetary and it has no exact JSON form; use numeric",
}

// CheckType refuses types whose values the envelope cannot carry exactly.
func (source) CheckType(c fsql.Column) error {
	if why, ok := unsupported[c.BaseType]; ok {
		return fmt.Errorf("type %s cannot be carried exactly: %s", c.Type, why)
	}
	switch c.Category {
	case "cC":
		return fmt.Errorf("type %s is a composite type, which Ferry does not carry; exclude the column", c.Type)
	case "rR", "mR":
		return fmt.Errorf("type %s is a range type, which Ferry does not carry yet; exclude the column", c.Type)
	}
	if c.Array && c.Elem == fsql.KindJSON {
		return fmt.Errorf("type %s cannot be carried exactly: an element that is itself a JSON array reads back as a further dimension; "+
			"use a json or jsonb column holding a JSON array, or exclude the column", c.Type)
	}
	if c.Kind == "" || (c.Array && c.Elem == "") {
		return fmt.Errorf("type %s is not supported: the change envelope cannot carry it exactly; exclude the column", c.Type)
	}
	return nil
}
