package postgres

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

type snapshot struct{}

// Snapshot reads PostgreSQL tables for snapshots and verify.
func (Dialect) Snapshot() fsql.Snapshot { return snapshot{} }

// reader reads one table. Its statements are built once, with each key
// column's type as the catalog names it, schema-qualified.
type reader struct {
	db       *stdsql.DB
	table    string
	settings []string // SET LOCAL statements: the triggers' pinned settings
	key      []keyColumn
	chunks   [4]string // by bounds: none, after, until, both
	hashes   [4]string
	keys     string
}

type keyColumn struct {
	fsql.Column
	typ string // the type as format_type names it, qualified
	// order is the expression rows are ordered and compared by; cast is
	// how a bound's text becomes a value of that expression's type.
	order, cast string
}

const (
	boundAfter = 1 << iota
	boundUntil
)

// Reader resolves the key columns' types and collations and builds the
// reads. Types are named by format_type with an empty search_path, so that
// every type outside pg_catalog comes out qualified whatever the
// connection's search_path.
func (snapshot) Reader(ctx context.Context, db *stdsql.DB, spec fsql.ReadSpec) (fsql.Reader, error) {
	t := spec.Table
	if len(spec.Key) == 0 {
		return nil, fmt.Errorf("read %s: no key columns", t)
	}
	types, err := keyTypes(ctx, db, ident(t.Schema, t.Name), spec.Key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t, err)
	}
	r, err := newReader(spec, types)
	if err != nil {
		return nil, err
	}
	r.db = db
	return r, nil
}

// newReader builds the reads of spec's table, given its key columns' types.
func newReader(spec fsql.ReadSpec, types map[string]keyType) (*reader, error) {
	t := spec.Table
	name := ident(t.Schema, t.Name)
	r := &reader{table: t.String()}
	for _, s := range pinnedSettings(t, spec.Exclude) {
		r.settings = append(r.settings, strings.Replace(s, "SET ", "SET LOCAL ", 1))
	}
	for _, k := range spec.Key {
		c, ok := t.Column(k)
		if !ok {
			return nil, fmt.Errorf("read %s: no key column %s", t, k)
		}
		if c.Array || c.Kind == fsql.KindArray || c.Kind == fsql.KindJSON {
			return nil, fmt.Errorf("read %s: key column %s is of type %s, which cannot be read in key order", t, k, c.Type)
		}
		kt := types[k]
		kc := keyColumn{Column: c, typ: kt.typ, order: "ferry_t." + ident(k), cast: "::" + kt.typ}
		if spec.CodePointOrder && c.Kind == fsql.KindText && !kt.codePoint {
			if kt.collatable {
				kc.order += ` COLLATE "C"`
			} else {
				kc.order = "(" + kc.order + `)::pg_catalog.text COLLATE "C"`
				kc.cast = "::pg_catalog.text"
			}
		}
		r.key = append(r.key, kc)
	}

	// The image is the triggers' own expression; a table Ferry does not
	// capture (both sides of verify) has no image function and gets
	// plainImage, which writes the same values in the same forms.
	g, err := newGen(fsql.CaptureSpec{CaptureSchema: spec.CaptureSchema, ID: spec.CaptureID, Table: t, Key: spec.Key, Exclude: spec.Exclude})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t, err)
	}
	var image string
	if spec.CaptureID == 0 {
		image = plainImage(t, spec.Exclude, "ferry_t")
	} else {
		image = g.imageAt("ferry_t.*", literal(name)+"::pg_catalog.regclass::pg_catalog.oid")
	}
	keyArgs := make([]string, len(r.key))
	for i, k := range r.key {
		keyArgs[i] = literal(k.Name) + ", ferry_t." + ident(k.Name)
	}
	keyObject := "pg_catalog.json_build_object(" + strings.Join(keyArgs, ", ") + ")"
	order := make([]string, len(r.key))
	var notNull []string
	for i, k := range r.key {
		order[i] = k.order
		if k.Nullable {
			notNull = append(notNull, "ferry_t."+ident(k.Name)+" IS NOT NULL")
		}
	}
	bound := func(first int) string {
		ps := make([]string, len(r.key))
		for i, k := range r.key {
			ps[i] = fmt.Sprintf("$%d%s", first+i, k.cast)
		}
		return "(" + strings.Join(ps, ", ") + ")"
	}
	rowOrder := "(" + strings.Join(order, ", ") + ")"
	for b := range r.chunks {
		where := slices.Clone(notNull)
		n := 1
		if b&boundAfter != 0 {
			where = append(where, rowOrder+" > "+bound(n))
			n += len(r.key)
		}
		if b&boundUntil != 0 {
			where = append(where, rowOrder+" <= "+bound(n))
			n += len(r.key)
		}
		cond := ""
		if len(where) > 0 {
			cond = "\nWHERE " + strings.Join(where, "\n  AND ")
		}
		tail := fmt.Sprintf("\nORDER BY %s LIMIT $%d", strings.Join(order, ", "), n)
		r.chunks[b] = fmt.Sprintf("SELECT %s FROM %s ferry_t", image, name) + cond + tail
		// The same rows, summed up where they are: a count, the md5 of the
		// images, and the key of the limit-th row. The aggregates take the
		// rows in the subquery's key order; an ORDER BY in them would sort
		// again and cost four times as much. Were the order ever another,
		// the hashes would differ and verify would read the rows: a wrong
		// order costs time, never a wrong answer.
		r.hashes[b] = fmt.Sprintf(`SELECT pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(ferry_s.ferry_img, E'\n')),
  (pg_catalog.array_agg(ferry_s.ferry_k))[$%d]
FROM (SELECT %s::pg_catalog.text AS ferry_img, %s::pg_catalog.text AS ferry_k
FROM %s ferry_t`, n, image, keyObject, name) + cond + tail + ") ferry_s"
	}

	defs := make([]string, len(r.key))
	join := make([]string, len(r.key))
	for i, k := range r.key {
		defs[i] = ident(k.Name) + " " + k.typ
		join[i] = "ferry_t." + ident(k.Name) + " OPERATOR(pg_catalog.=) ferry_k." + ident(k.Name)
	}
	// A key with no row gets a NULL image: the image expression itself
	// would make a row of NULLs of the missing row when it blanks
	// excluded columns. Key columns are never NULL in a row that exists.
	r.keys = fmt.Sprintf(`SELECT pg_catalog.row_to_json(ferry_k), CASE WHEN ferry_t.%s IS NULL THEN NULL ELSE %s END
FROM (SELECT DISTINCT * FROM pg_catalog.json_to_recordset($1::pg_catalog.json) AS ferry_k(%s)%s) ferry_k
LEFT JOIN %s ferry_t ON %s`, ident(r.key[0].Name), image, strings.Join(defs, ", "), counted("$1::pg_catalog.json"), name, strings.Join(join, " AND "))
	return r, nil
}

// plainImage is the image of row, the alias of a row of t, without the
// capture's image function: row_to_json's, except for the values it
// loses, written as exact_image writes them. A json or jsonb value's text
// goes in the member JSONTexts (row_to_json writes a JSON null as it
// writes SQL NULL, which would make the two equal); an array that does not
// read back as itself (bounds other than 1, a json[] element that is a
// JSON null or a JSON array) is written as its text form.
func plainImage(t *fsql.Table, exclude []string, row string) string {
	var names, texts []string
	hasArray := false
	for _, c := range t.Columns {
		if slices.Contains(exclude, c.Name) {
			continue
		}
		if c.Kind == fsql.KindJSON {
			names = append(names, literal(c.Name))
			texts = append(texts, row+"."+ident(c.Name)+"::pg_catalog.text")
		}
		hasArray = hasArray || c.Kind == fsql.KindArray
	}
	var body string
	switch {
	case hasArray:
		// Each column by name, in order: the subquery's row is the
		// table's, with arrays checked as exact_image checks them.
		cols := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			v := row + "." + ident(c.Name)
			switch {
			case slices.Contains(exclude, c.Name):
				v = "NULL"
			case c.Kind == fsql.KindArray:
				v = fmt.Sprintf(`CASE WHEN %[1]s::pg_catalog.text IS NOT DISTINCT FROM
  (pg_catalog.json_populate_record(NULL::%[2]s, pg_catalog.json_build_object(%[3]s, pg_catalog.to_json(%[1]s)))).%[4]s::pg_catalog.text
  THEN pg_catalog.to_json(%[1]s) ELSE pg_catalog.to_json(%[1]s::pg_catalog.text) END`,
					v, ident(t.Schema, t.Name), literal(c.Name), ident(c.Name))
			}
			cols[i] = v + " AS " + ident(c.Name)
		}
		body = "(SELECT pg_catalog.row_to_json(ferry_image) FROM (SELECT " + strings.Join(cols, ", ") + ") ferry_image)"
	case len(exclude) > 0:
		body = "pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(" + row + ".*, " + excludeLiteral(exclude) + "))"
	default:
		body = "pg_catalog.row_to_json(" + row + ".*)"
	}
	if len(names) == 0 {
		return body
	}
	// json_object takes the texts as an array, with no limit on columns;
	// json_strip_nulls leaves out SQL NULLs, which the body writes as null.
	return fmt.Sprintf("pg_catalog.concat(%s, pg_catalog.json_strip_nulls(pg_catalog.json_object(ARRAY[%s]::pg_catalog.text[], ARRAY[%s]::pg_catalog.text[])), ',', pg_catalog.substr(%s::pg_catalog.text, 2))::pg_catalog.json",
		literal(`{"`+JSONTexts+`":`), strings.Join(names, ", "), strings.Join(texts, ", "), body)
}

type keyType struct {
	typ        string
	collatable bool // a string type, which COLLATE applies to
	codePoint  bool // its collation already orders by code point
}

// keyTypes names the key columns' types, and tells which string columns
// already order by code point: C and POSIX, or the database's default when
// that is C or POSIX (COLLATE "C" on those would only cost the index).
func keyTypes(ctx context.Context, db *stdsql.DB, table string, key []string) (map[string]keyType, error) {
	tx, err := db.BeginTx(ctx, &stdsql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL search_path = ''`); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `
SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
       co.oid IS NOT NULL,
       COALESCE(co.collname IN ('C', 'POSIX')
         OR (co.collname = 'default' AND d.datcollate IN ('C', 'POSIX')
             AND COALESCE(pg_catalog.to_jsonb(d) OPERATOR(pg_catalog.->>) 'datlocprovider', 'c') = 'c'), false)
FROM pg_catalog.pg_attribute a
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
CROSS JOIN pg_catalog.pg_database d
WHERE a.attrelid = $1::pg_catalog.regclass AND a.attname = ANY($2) AND a.attnum > 0 AND NOT a.attisdropped
  AND d.datname = pg_catalog.current_database()`, table, key)
	if err != nil {
		return nil, fmt.Errorf("read the key columns' types: %w", err)
	}
	defer rows.Close()
	out := map[string]keyType{}
	for rows.Next() {
		var name string
		var t keyType
		if err := rows.Scan(&name, &t.typ, &t.collatable, &t.codePoint); err != nil {
			return nil, fmt.Errorf("read the key columns' types: %w", err)
		}
		out[name] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the key columns' types: %w", err)
	}
	for _, k := range key {
		if _, ok := out[k]; !ok {
			return nil, fmt.Errorf("key column %s does not exist", k)
		}
	}
	return out, nil
}

func (r *reader) Chunk(ctx context.Context, after, until []byte, limit int) ([][]byte, error) {
	b, args, err := r.bounds(after, until)
	if err != nil {
		return nil, err
	}
	args = append(args, limit)
	out := make([][]byte, 0, min(limit, 100_000))
	err = r.read(ctx, r.chunks[b], args, func(rows *stdsql.Rows) error {
		var img []byte
		if err := rows.Scan(&img); err != nil {
			return err
		}
		out = append(out, img)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read a chunk of %s: %w", r.table, err)
	}
	return out, nil
}

func (r *reader) Hash(ctx context.Context, after, until []byte, limit int) (fsql.ChunkHash, error) {
	b, args, err := r.bounds(after, until)
	if err != nil {
		return fsql.ChunkHash{}, err
	}
	var lim any
	if limit > 0 {
		lim = limit
	}
	args = append(args, lim)
	var h fsql.ChunkHash
	err = r.read(ctx, r.hashes[b], args, func(rows *stdsql.Rows) error {
		return rows.Scan(&h.Rows, &h.Sum, &h.Last)
	})
	if err != nil {
		return h, fmt.Errorf("hash a chunk of %s: %w", r.table, err)
	}
	return h, nil
}

// bounds picks the statement for the bounds given and their arguments.
func (r *reader) bounds(after, until []byte) (int, []any, error) {
	var args []any
	b := 0
	for _, bnd := range []struct {
		key  []byte
		flag int
	}{{after, boundAfter}, {until, boundUntil}} {
		if bnd.key == nil {
			continue
		}
		vals, err := r.inputs(bnd.key)
		if err != nil {
			return 0, nil, err
		}
		args = append(args, vals...)
		b |= bnd.flag
	}
	return b, args, nil
}

func (r *reader) Keys(ctx context.Context, keys [][]byte) ([]fsql.KeyedRow, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	objs := make([]map[string]string, len(keys))
	for i, k := range keys {
		vals, err := r.inputs(k)
		if err != nil {
			return nil, err
		}
		o := make(map[string]string, len(vals))
		for j, c := range r.key {
			o[c.Name] = vals[j].(string)
		}
		objs[i] = o
	}
	arg, err := json.Marshal(objs)
	if err != nil {
		return nil, err
	}
	var out []fsql.KeyedRow
	err = r.read(ctx, r.keys, []any{string(arg)}, func(rows *stdsql.Rows) error {
		var kr fsql.KeyedRow
		if err := rows.Scan(&kr.Key, &kr.Row); err != nil {
			return err
		}
		out = append(out, kr)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %d keys of %s: %w", len(keys), r.table, err)
	}
	return out, nil
}

// read runs one read under the triggers' pinned settings, in a read-only
// transaction of its own when there are settings to pin.
func (r *reader) read(ctx context.Context, q string, args []any, row func(*stdsql.Rows) error) error {
	var rows *stdsql.Rows
	var err error
	var tx *stdsql.Tx
	if len(r.settings) == 0 {
		rows, err = r.db.QueryContext(ctx, q, args...)
	} else {
		if tx, err = r.db.BeginTx(ctx, &stdsql.TxOptions{ReadOnly: true}); err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err = tx.ExecContext(ctx, strings.Join(r.settings, "; ")); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if tx != nil {
		return tx.Commit()
	}
	return nil
}

// inputs turns a key in the envelope's forms into the text of each key
// column's value, in key order, as PostgreSQL's input functions read it.
func (r *reader) inputs(key []byte) ([]any, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(key, &obj); err != nil {
		return nil, fmt.Errorf("key %s of %s is not a JSON object: %w", key, r.table, err)
	}
	out := make([]any, len(r.key))
	for i, c := range r.key {
		raw, ok := obj[c.Name]
		if !ok {
			return nil, fmt.Errorf("key %s of %s has no column %s", key, r.table, c.Name)
		}
		v, err := inputText(c.Column, raw)
		if err != nil {
			return nil, fmt.Errorf("key %s of %s: column %s: %w", key, r.table, c.Name, err)
		}
		out[i] = v
	}
	return out, nil
}

// inputText is the input text of one neutral key value (bind.go says how
// neutral forms become PostgreSQL's): a string's content, a number's or a
// boolean's text.
func inputText(c fsql.Column, raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", errNullKey
	}
	if raw[0] == '{' || raw[0] == '[' {
		return "", fmt.Errorf("value %.40s is not a single value", raw)
	}
	if !json.Valid(raw) {
		return "", fmt.Errorf("value %.40s is not JSON", raw)
	}
	v, err := input(nil, c.Kind, c.Elem, &c, raw)
	if err != nil {
		return "", err
	}
	if v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	return string(v), nil
}

// estimateCount is how many rows Estimate counts of a table the catalog
// has no estimate of.
const estimateCount = 100_000

// Estimate reads pg_class.reltuples, which ANALYZE and VACUUM keep. A table
// neither has seen yet (reltuples -1) has its first estimateCount rows
// counted: fewer is the exact count; as many, the table's pages (of every
// partition) times the rows per page of the pages those rows were read from.
func (snapshot) Estimate(ctx context.Context, db fsql.Querier, schema, table string) (int64, error) {
	var n stdsql.NullFloat64
	name := ident(schema, table)
	err := db.QueryRowContext(ctx, `SELECT reltuples FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass($1)`, name).Scan(&n)
	if errors.Is(err, stdsql.ErrNoRows) {
		return -1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("estimate the rows of %s.%s: %w", schema, table, err)
	}
	if n.Valid && n.Float64 >= 0 {
		return int64(n.Float64), nil
	}
	var rows, pagesRead int64
	var pages float64
	err = db.QueryRowContext(ctx, `
WITH s AS (SELECT tableoid, ctid FROM `+name+` LIMIT `+strconv.Itoa(estimateCount)+`)
SELECT count(*), count(DISTINCT (tableoid, (ctid::text::point)[0])),
  (SELECT coalesce(sum(pg_catalog.pg_relation_size(relid)), pg_catalog.pg_relation_size(pg_catalog.to_regclass($1)))
     FROM pg_catalog.pg_partition_tree(pg_catalog.to_regclass($1)))
    / pg_catalog.current_setting('block_size')::float8
FROM s`, name).Scan(&rows, &pagesRead, &pages)
	if err != nil {
		return 0, fmt.Errorf("count the rows of %s.%s, which has no estimate in the catalog: %w", schema, table, err)
	}
	if rows < estimateCount || pagesRead == 0 {
		return rows, nil
	}
	return max(rows, int64(pages*float64(rows)/float64(pagesRead))), nil
}

// KeyIndexed looks for a valid, complete btree index whose leading columns
// are the key's, in its order.
func (snapshot) KeyIndexed(ctx context.Context, db fsql.Querier, schema, table string, key []string) (bool, error) {
	var ok bool
	err := db.QueryRowContext(ctx, `
SELECT EXISTS (
  SELECT FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
  WHERE i.indrelid = pg_catalog.to_regclass($1) AND i.indisvalid AND i.indpred IS NULL AND am.amname = 'btree'
    AND (SELECT pg_catalog.array_agg(a.attname ORDER BY k.ord)
         FROM pg_catalog.unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE k.ord <= pg_catalog.cardinality($2::text[])) = $2::pg_catalog.name[])`,
		ident(schema, table), key).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look for an index on the key of %s.%s: %w", schema, table, err)
	}
	return ok, nil
}

// HasRows reads at most one row.
func (snapshot) HasRows(ctx context.Context, db fsql.Querier, schema, table string) (bool, error) {
	var ok bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT FROM `+ident(schema, table)+`)`).Scan(&ok); err != nil {
		return false, fmt.Errorf("look for rows in %s.%s: %w", schema, table, err)
	}
	return ok, nil
}
