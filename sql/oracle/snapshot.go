package oracle

import (
	"context"
	stdsql "database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// snapshot is Oracle's reads for `ferry snapshot` and `ferry verify`.
type snapshot struct{}

// Snapshot reads Oracle tables for snapshots and verify.
func (Dialect) Snapshot() fsql.Snapshot { return snapshot{} }

// reader reads one table in key order (keyset pagination: each chunk
// starts after the last key of the one before), each row as its image in
// the capture trigger's forms, so that Values turns a row read here and
// the same row captured by the trigger into the same envelope. It takes no
// lock: a SELECT reads a consistent snapshot as of its start.
//
// RAW and BLOB values are selected beside the image and written into it
// here, in base64 (splice): the trigger's BASE64 function lives in the
// capture schema, which a target (either side of verify) does not have,
// and a SELECT cannot declare a PL/SQL function that the grammar check
// reads (WITH FUNCTION).
type reader struct {
	db     *stdsql.DB
	table  string
	plan   *writePlan // the key columns, in key order, and their binders
	order  []string   // per key column: how rows are ordered and compared, over alias t
	chunks [4]string  // by bounds: none, after, until, both
	keys   string
	image  image // the row's, over alias t
	keyImg image // the key's, over alias k (Keys)
}

// image is a JSON_OBJECT select and the binary columns selected after it.
type image struct {
	expr   string
	binary []string // column names whose values splice writes
	extra  []string // their select expressions, in order
}

const (
	boundAfter = 1 << iota
	boundUntil
)

// noLimit bounds a Hash without a limit.
const noLimit = int64(1) << 62

// keysPerRead is how many keys one Keys statement reads.
const keysPerRead = 1000

// readFacts are what the reads' order depends on beyond the table: the
// database character set and the key columns' declared collations
// (ALL_TAB_COLS.COLLATION, 12.2 and later).
type readFacts struct {
	charset   string
	collation map[string]string
}

const readFactsSQL = `SELECT c.COLUMN_NAME, NVL(c.COLLATION, 'BINARY'),
    (SELECT p.VALUE FROM NLS_DATABASE_PARAMETERS p WHERE p.PARAMETER = 'NLS_CHARACTERSET')
FROM ALL_TAB_COLS c
WHERE c.OWNER = :1 AND c.TABLE_NAME = :2`

// Reader reads the character set and collations, then builds the reads.
func (snapshot) Reader(ctx context.Context, db *stdsql.DB, spec fsql.ReadSpec) (fsql.Reader, error) {
	t := spec.Table
	f := readFacts{collation: map[string]string{}}
	rows, err := db.QueryContext(ctx, readFactsSQL, t.Schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("read the collations of %s: %w", t, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, coll string
		if err := rows.Scan(&name, &coll, &f.charset); err != nil {
			return nil, fmt.Errorf("read the collations of %s: %w", t, err)
		}
		f.collation[name] = coll
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the collations of %s: %w", t, err)
	}
	r, err := newReader(spec, f)
	if err != nil {
		return nil, err
	}
	r.db = db
	return r, nil
}

// byteOrder reports whether ORDER BY and comparisons of a text column, in
// a session whose NLS_SORT and NLS_COMP are BINARY (sessionSettings),
// compare its values as the reads need, so that the key's index serves
// them: a declared collation other than the session's or BINARY compares
// linguistically; and code point order (verify) is the byte order of
// AL32UTF8 (and US7ASCII) only: the national character sets (AL16UTF16,
// UTF8, which is CESU-8) put characters above U+FFFF below U+E000..U+FFFF,
// and single-byte sets order by their own code values. Where it does not,
// the column is ordered and compared by its AL32UTF8 bytes
// (UTL_I18N.STRING_TO_RAW), which is code point order in every case, at
// the cost of the index and of keys over 2000 bytes in AL32UTF8 (RAW's
// limit in SQL), which then fail with an error rather than misorder.
func byteOrder(c fsql.Column, f readFacts, codePoint bool) bool {
	switch parseType(c.Type).Base {
	case "VARCHAR2", "CHAR":
		if !binaryCollation(f.collation[c.Name]) {
			return false
		}
		return !codePoint || f.charset == "AL32UTF8" || f.charset == "US7ASCII"
	case "NVARCHAR2", "NCHAR":
		return binaryCollation(f.collation[c.Name]) && !codePoint
	}
	return true
}

func binaryCollation(c string) bool {
	return c == "" || c == "BINARY" || c == "USING_NLS_COMP" || c == "USING_NLS_SORT"
}

// utf8Bytes orders and compares text by its AL32UTF8 bytes.
func utf8Bytes(expr string) string { return "UTL_I18N.STRING_TO_RAW(" + expr + ", 'AL32UTF8')" }

func newReader(spec fsql.ReadSpec, f readFacts) (*reader, error) {
	t := spec.Table
	if len(spec.Key) == 0 {
		return nil, fmt.Errorf("read %s: no key columns", t)
	}
	for _, name := range []string{t.Schema, t.Name} {
		if err := CheckName(name); err != nil {
			return nil, fmt.Errorf("read %s: %w", t, err)
		}
	}
	var cols []fsql.Column
	for _, c := range t.Columns {
		if !slices.Contains(spec.Exclude, c.Name) {
			if err := checkType(c); err != nil {
				return nil, fmt.Errorf("read %s: column %s: %w", t, c.Name, err)
			}
			cols = append(cols, c)
		}
	}
	// A read-only plan: a GENERATED ALWAYS or virtual key is read, never
	// written.
	p, err := newWritePlan(t, spec.Key, spec.Key, BindOptions{}, true)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t, err)
	}
	r := &reader{table: t.String(), plan: p, image: newImage(cols, "t")}
	r.keyImg = newImage(p.cols, "k")
	var notNull []string
	for _, c := range p.cols {
		o := "t." + ident(c.Name)
		if !byteOrder(c, f, spec.CodePointOrder) {
			o = utf8Bytes(o)
		}
		r.order = append(r.order, o)
		if c.Nullable {
			notNull = append(notNull, "t."+ident(c.Name)+" IS NOT NULL")
		}
	}
	name := ident(t.Schema, t.Name)
	sel := "SELECT " + r.image.selectList() + "\nFROM " + name + " t"
	for b := range r.chunks {
		where := slices.Clone(notNull)
		n := 1
		if b&boundAfter != 0 {
			where = append(where, r.compare(">", &n))
		}
		if b&boundUntil != 0 {
			where = append(where, r.compare("<=", &n))
		}
		q := sel
		if len(where) > 0 {
			q += "\nWHERE " + strings.Join(where, "\n  AND ")
		}
		r.chunks[b] = q + "\nORDER BY " + strings.Join(r.order, ", ") + "\nFETCH FIRST :" + strconv.Itoa(n) + " ROWS ONLY"
	}

	// Keys: the distinct keys of one bound JSON document (as the JSON
	// variant of the delete binds them), joined to the table.
	var kcols, on []string
	for i, c := range p.cols {
		kcols = append(kcols, p.binders[i].expr(p.jsonRefs(i))+" AS "+ident(c.Name))
		l, rr := "t."+ident(c.Name), "k."+ident(c.Name)
		if r.order[i] != l {
			l, rr = utf8Bytes(l), utf8Bytes(rr)
		}
		on = append(on, l+" = "+rr)
	}
	first := "t." + ident(p.cols[0].Name)
	r.keys = fmt.Sprintf("SELECT %s AS \"KEY\",\nCASE WHEN %s IS NULL THEN NULL ELSE %s END AS \"IMAGE\"%s%s\n"+
		"FROM (\n    SELECT DISTINCT %s\n    FROM %s\n) k\nLEFT JOIN %s t ON %s",
		r.keyImg.expr, first, r.image.expr, r.keyImg.extraList(), r.image.extraList(),
		strings.Join(kcols, ", "), p.jsonTable(p.keyIdx), name, strings.Join(on, " AND "))
	return r, nil
}

// newImage is the image of cols over alias, in the trigger's forms, but
// for RAW and BLOB values, which are selected beside it and marked in it
// with a non-null placeholder (Oracle's ” is NULL) for splice.
func newImage(cols []fsql.Column, alias string) image {
	var im image
	im.expr = imageObject(cols, func(c fsql.Column) string {
		ref := alias + "." + ident(c.Name)
		switch parseType(c.Type).Base {
		case "RAW", "BLOB":
			im.binary = append(im.binary, c.Name)
			im.extra = append(im.extra, ref)
			return "CASE WHEN " + ref + " IS NOT NULL THEN '-' END"
		}
		return imageValue(c, ref, "")
	}, "    ")
	return im
}

func (im image) selectList() string { return im.expr + " AS \"IMAGE\"" + im.extraList() }

func (im image) extraList() string {
	var b strings.Builder
	for _, e := range im.extra {
		b.WriteString(", " + e)
	}
	return b.String()
}

// compare is (k1, k2, ...) op (bound) spelt out, Oracle having no row
// comparison: for ">", k1 > b1 OR (k1 = b1 AND k2 > b2) ...; for "<=",
// the same with "<" and the last column's "<=". Each use of a bound value
// has placeholders of its own, numbered from *n on (go-ora binds by
// position); boundArgs repeats the values in the same order.
func (r *reader) compare(op string, n *int) string {
	p := r.plan
	strict := op
	if op == "<=" {
		strict = "<"
	}
	var ors []string
	for depth := range p.cols {
		var ands []string
		for d := 0; d <= depth; d++ {
			ph := make([]string, p.binders[d].width())
			for j := range ph {
				ph[j] = ":" + strconv.Itoa(*n)
				*n++
			}
			v := p.binders[d].expr(ph)
			if r.order[d] != "t."+ident(p.cols[d].Name) {
				v = utf8Bytes(v)
			}
			o := "="
			switch {
			case d == depth && depth == len(p.cols)-1:
				o = op
			case d == depth:
				o = strict
			}
			ands = append(ands, r.order[d]+" "+o+" "+v)
		}
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return "(" + strings.Join(ors, "\n    OR ") + ")"
}

// keyValues reads a key (a JSON object of neutral values, as a Kafka
// message key holds it) into each key column's binds.
func (r *reader) keyValues(key []byte) ([][]any, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(key, &obj); err != nil {
		return nil, fmt.Errorf("key %s of %s is not a JSON object: %w", key, r.table, err)
	}
	p := r.plan
	out := make([][]any, len(p.cols))
	for i, c := range p.cols {
		raw, ok := obj[c.Name]
		if !ok || string(raw) == "null" {
			return nil, fmt.Errorf("key %s of %s has no value for column %s", key, r.table, c.Name)
		}
		v, err := p.binders[i].bind(raw)
		if err != nil {
			return nil, &ValueError{Table: r.table, Column: c.Name, Key: string(key), Err: err}
		}
		out[i] = v
	}
	return out, nil
}

// boundArgs are the arguments of compare's placeholders for a key.
func boundArgs(vals [][]any) []any {
	var args []any
	for depth := range vals {
		for d := 0; d <= depth; d++ {
			args = append(args, vals[d]...)
		}
	}
	return args
}

// chunkArgs picks the statement for the bounds given and its arguments.
func (r *reader) chunkArgs(after, until []byte, limit int64) (string, []any, error) {
	b := 0
	var args []any
	for _, bnd := range []struct {
		key  []byte
		flag int
	}{{after, boundAfter}, {until, boundUntil}} {
		if bnd.key == nil {
			continue
		}
		vals, err := r.keyValues(bnd.key)
		if err != nil {
			return "", nil, err
		}
		args = append(args, boundArgs(vals)...)
		b |= bnd.flag
	}
	return r.chunks[b], append(args, limit), nil
}

func (r *reader) Chunk(ctx context.Context, after, until []byte, limit int) ([][]byte, error) {
	q, args, err := r.chunkArgs(after, until, int64(limit))
	if err != nil {
		return nil, err
	}
	imgs, err := r.read(ctx, q, args)
	if err != nil {
		return nil, fmt.Errorf("read a chunk of %s: %w", r.table, err)
	}
	return imgs, nil
}

// Hash reads the rows and sums them up here, as SQL Server's does: Oracle
// has no ordered aggregate over CLOBs to hash them in the server with.
// The last row's full image serves as its key's image.
func (r *reader) Hash(ctx context.Context, after, until []byte, limit int) (fsql.ChunkHash, error) {
	n := int64(limit)
	if limit <= 0 {
		n = noLimit
	}
	q, args, err := r.chunkArgs(after, until, n)
	if err != nil {
		return fsql.ChunkHash{}, err
	}
	imgs, err := r.read(ctx, q, args)
	if err != nil {
		return fsql.ChunkHash{}, fmt.Errorf("hash a chunk of %s: %w", r.table, err)
	}
	return fsql.HashImages(imgs, imgs, limit), nil
}

// read runs a chunk select and returns its images, spliced.
func (r *reader) read(ctx context.Context, q string, args []any) ([][]byte, error) {
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var img string
		bins := make([][]byte, len(r.image.extra))
		dest := []any{&img}
		for i := range bins {
			dest = append(dest, &bins[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		b, err := splice([]byte(img), r.image.binary, bins)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Keys reads the rows of the given keys, keysPerRead keys a statement.
func (r *reader) Keys(ctx context.Context, keys [][]byte) ([]fsql.KeyedRow, error) {
	var out []fsql.KeyedRow
	for start := 0; start < len(keys); start += keysPerRead {
		got, err := r.readKeys(ctx, keys[start:min(start+keysPerRead, len(keys))])
		if err != nil {
			return nil, fmt.Errorf("read %d keys of %s: %w", len(keys), r.table, err)
		}
		out = append(out, got...)
	}
	return out, nil
}

func (r *reader) readKeys(ctx context.Context, keys [][]byte) ([]fsql.KeyedRow, error) {
	p := r.plan
	rows := make([][]any, len(keys))
	for i, k := range keys {
		vals, err := r.keyValues(k)
		if err != nil {
			return nil, err
		}
		rows[i] = slices.Concat(vals...)
	}
	args, err := p.documentArgs(rows, p.keyIdx)
	if err != nil {
		return nil, err
	}
	res, err := r.db.QueryContext(ctx, r.keys, args...)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var out []fsql.KeyedRow
	for res.Next() {
		var key string
		var img stdsql.NullString
		kbins := make([][]byte, len(r.keyImg.extra))
		bins := make([][]byte, len(r.image.extra))
		dest := []any{&key, &img}
		for i := range kbins {
			dest = append(dest, &kbins[i])
		}
		for i := range bins {
			dest = append(dest, &bins[i])
		}
		if err := res.Scan(dest...); err != nil {
			return nil, err
		}
		var kr fsql.KeyedRow
		if kr.Key, err = splice([]byte(key), r.keyImg.binary, kbins); err != nil {
			return nil, err
		}
		if img.Valid {
			if kr.Row, err = splice([]byte(img.String), r.image.binary, bins); err != nil {
				return nil, err
			}
		}
		out = append(out, kr)
	}
	return out, res.Err()
}

// splice writes the values of the binary columns names, selected beside
// an image, into it as base64, where the image holds their placeholder
// (null stays null). The other values keep their bytes.
func splice(img []byte, names []string, vals [][]byte) ([]byte, error) {
	if len(names) == 0 {
		return img, nil
	}
	return mapImage(img, func(name string, raw json.RawMessage) (json.RawMessage, error) {
		if at := slices.Index(names, name); at >= 0 && string(raw) != "null" {
			return jsonString(base64.StdEncoding.EncodeToString(vals[at])), nil
		}
		return raw, nil
	})
}

// Estimate is NUM_ROWS from the last statistics gathering, -1 without one.
func (snapshot) Estimate(ctx context.Context, db fsql.Querier, schema, table string) (int64, error) {
	var n stdsql.NullInt64
	err := db.QueryRowContext(ctx, estimateSQL, schema, table).Scan(&n)
	if errors.Is(err, stdsql.ErrNoRows) || (err == nil && !n.Valid) {
		return -1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("estimate the rows of %s.%s: %w", schema, table, err)
	}
	return n.Int64, nil
}

const estimateSQL = `SELECT NUM_ROWS FROM ALL_TABLES WHERE OWNER = :1 AND TABLE_NAME = :2`

// KeyIndexed reports whether a valid index leads with the key's columns, in
// order.
func (snapshot) KeyIndexed(ctx context.Context, db fsql.Querier, schema, table string, key []string) (bool, error) {
	b, _ := json.Marshal(key) // strings always encode
	var n int
	if err := db.QueryRowContext(ctx, keyIndexedSQL, string(b), schema, table, string(b)).Scan(&n); err != nil {
		return false, fmt.Errorf("look for an index on the key of %s.%s: %w", schema, table, err)
	}
	return n > 0, nil
}

// keyIndexedSQL counts (placeholders numbered in the order they appear:
// go-ora binds by position) the indexes whose first columns are the key's, in
// order: every key column at its position, as many as the key has.
const keyIndexedSQL = `SELECT COUNT(*) FROM (
    SELECT i.OWNER, i.INDEX_NAME
    FROM ALL_INDEXES i
    JOIN ALL_IND_COLUMNS c ON c.INDEX_OWNER = i.OWNER AND c.INDEX_NAME = i.INDEX_NAME
    JOIN JSON_TABLE(:1, '$[*]' COLUMNS ("POS" FOR ORDINALITY, "NAME" VARCHAR2(128) PATH '$')) k
        ON k."POS" = c.COLUMN_POSITION AND k."NAME" = c.COLUMN_NAME
    WHERE i.TABLE_OWNER = :2 AND i.TABLE_NAME = :3 AND i.STATUS IN ('VALID', 'N/A')
    GROUP BY i.OWNER, i.INDEX_NAME
    HAVING COUNT(*) = (SELECT COUNT(*) FROM JSON_TABLE(:4, '$[*]' COLUMNS ("POS" FOR ORDINALITY))))`

// HasRows reports whether the table holds a row.
func (snapshot) HasRows(ctx context.Context, db fsql.Querier, schema, table string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+ident(schema, table)+" WHERE ROWNUM = 1").Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look for rows in %s.%s: %w", schema, table, err)
	}
	return n > 0, nil
}
