package sqlserver

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

type snapshot struct{}

// Snapshot reads SQL Server tables for snapshots and verify.
func (Dialect) Snapshot() fsql.Snapshot { return snapshot{} }

// reader reads one table in key order, each row as its after image in the
// capture trigger's own form (imageExpr), so that Neutral reads snapshot
// rows and captured rows alike. It takes no table lock.
type reader struct {
	db     *stdsql.DB
	table  *fsql.Table
	name   string // quoted schema.table
	key    []column
	chunks [4]string // by bounds: none, after, until, both
	image  string    // the row's image, over alias i
	keyImg string    // the key's image, over alias i
	keyOfK string    // the key's image, over alias k (Keys' constructor)
}

const (
	boundAfter = 1 << iota
	boundUntil
)

// maxKeysPerRead keeps a Keys read within SQL Server's 2,100 parameters.
const maxKeysPerRead = maxParams

// Reader builds the reads of one table. Key columns may not be of the
// large types, which cannot be compared.
func (snapshot) Reader(ctx context.Context, db *stdsql.DB, spec fsql.ReadSpec) (fsql.Reader, error) {
	r, err := newReader(spec)
	if err != nil {
		return nil, err
	}
	r.db = db
	return r, nil
}

func newReader(spec fsql.ReadSpec) (*reader, error) {
	t := spec.Table
	if len(spec.Key) == 0 {
		return nil, fmt.Errorf("read %s: no key columns", t)
	}
	r := &reader{table: t, name: ident(t.Schema, t.Name)}
	cs := fsql.CaptureSpec{CaptureSchema: spec.CaptureSchema, ID: spec.CaptureID, Table: t, Key: spec.Key, Exclude: spec.Exclude}
	cols, types, err := imageColumns(cs)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t, err)
	}
	if r.image, err = imageExpr(cols, types, func(int) string { return "i" }, func(int) bool { return false }, "    "); err != nil {
		return nil, fmt.Errorf("read %s: %w", t, err)
	}
	var keyCols []fsql.Column
	var keyTypes []colType
	order := make([]string, len(spec.Key))
	for i, k := range spec.Key {
		fc, ok := t.Column(k)
		if !ok {
			return nil, fmt.Errorf("read %s: no key column %s", t, k)
		}
		c, err := keyColumn(fc)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", t, err)
		}
		if lobTypes[c.Type.Base] || c.Type.Base == "xml" || c.Type.Base == "json" {
			return nil, fmt.Errorf("read %s: key column %s is of type %s, which cannot be read in key order", t, k, c.Type)
		}
		r.key = append(r.key, c)
		keyCols, keyTypes = append(keyCols, fc), append(keyTypes, c.Type)
		order[i] = "i." + ident(k)
		if spec.CodePointOrder && fc.Kind == fsql.KindText {
			// BIN2 compares nvarchar by UTF-16 code unit: code point order
			// but for the characters above U+FFFF against U+E000..U+FFFF.
			order[i] += " COLLATE Latin1_General_100_BIN2"
		}
	}
	if r.keyImg, err = imageExpr(keyCols, keyTypes, func(int) string { return "i" }, func(int) bool { return false }, "    "); err != nil {
		return nil, fmt.Errorf("read %s: %w", t, err)
	}
	if r.keyOfK, err = imageExpr(keyCols, keyTypes, func(int) string { return "k" }, func(int) bool { return false }, "    "); err != nil {
		return nil, fmt.Errorf("read %s: %w", t, err)
	}
	var notNull []string
	for _, c := range r.key {
		if c.Nullable {
			notNull = append(notNull, "i."+ident(c.Name)+" IS NOT NULL")
		}
	}
	for b := range r.chunks {
		where := append([]string(nil), notNull...)
		n := 2 // @p1 is the limit
		if b&boundAfter != 0 {
			where = append(where, r.compare(order, n, ">"))
			n += len(r.key)
		}
		if b&boundUntil != 0 {
			where = append(where, r.compare(order, n, "<="))
		}
		q := fmt.Sprintf("SELECT TOP (@p1) %s AS [after],\n%s AS [key]\nFROM %s AS i", r.image, r.keyImg, r.name)
		if len(where) > 0 {
			q += "\nWHERE " + strings.Join(where, "\n  AND ")
		}
		r.chunks[b] = q + "\nORDER BY " + strings.Join(order, ", ") + ";"
	}
	return r, nil
}

// keyColumn is a key column as its values are bound: nullable, and its
// text in the column's own code page (the value came from that column).
func keyColumn(fc fsql.Column) (column, error) {
	c, err := targetColumn(fc)
	if err != nil {
		return c, err
	}
	c.Nullable = true
	c.Facts.CodePage = utf8CodePage
	return c, nil
}

// compare is (k1, k2, ...) op (@pN, @pN+1, ...) spelt out, T-SQL having no
// row comparison: for ">", (k1 > p1) OR (k1 = p1 AND k2 > p2) ...; for
// "<=", the same with "<" and the last column's "<=".
func (r *reader) compare(order []string, first int, op string) string {
	strict := op
	if op == "<=" {
		strict = "<"
	}
	var ors []string
	for i := range r.key {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, fmt.Sprintf("%s = %s", order[j], r.param(j, first+j)))
		}
		o := strict
		if i == len(r.key)-1 {
			o = op
		}
		ands = append(ands, fmt.Sprintf("%s %s %s", order[i], o, r.param(i, first+i)))
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return "(" + strings.Join(ors, "\n    OR ") + ")"
}

// param is parameter n, for key column i. It is not cast: Bind gives each
// value the column's own type where that matters (a datetime2's civil
// time, a uniqueidentifier's bytes) and ASCII text as varchar, so that a
// comparison with a varchar key uses its index; other text is nvarchar,
// which compares right without it.
func (r *reader) param(_, n int) string { return fmt.Sprintf("@p%d", n) }

// args binds a neutral key (a JSON object) as the key columns' values.
func (r *reader) args(key []byte) ([]any, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(key, &obj); err != nil {
		return nil, fmt.Errorf("key %s of %s is not a JSON object: %w", key, r.table, err)
	}
	out := make([]any, len(r.key))
	for i, c := range r.key {
		raw, ok := obj[c.Name]
		if !ok || string(raw) == "null" {
			return nil, fmt.Errorf("key %s of %s has no value for column %s", key, r.table, c.Name)
		}
		b, err := c.Bind(raw)
		if err != nil {
			return nil, &ValueError{Table: r.table.String(), Column: c.Name, Key: string(key), Err: err}
		}
		out[i] = b.Param
	}
	return out, nil
}

// chunk reads images and their keys' images.
func (r *reader) chunk(ctx context.Context, after, until []byte, limit int) (imgs, keys [][]byte, err error) {
	b := 0
	args := []any{int64(limit)}
	for _, bnd := range []struct {
		key  []byte
		flag int
	}{{after, boundAfter}, {until, boundUntil}} {
		if bnd.key == nil {
			continue
		}
		vals, err := r.args(bnd.key)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, vals...)
		b |= bnd.flag
	}
	rows, err := r.db.QueryContext(ctx, r.chunks[b], args...)
	if err != nil {
		return nil, nil, fmt.Errorf("read a chunk of %s: %w", r.table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var img, key string
		if err := rows.Scan(&img, &key); err != nil {
			return nil, nil, fmt.Errorf("read a chunk of %s: %w", r.table, err)
		}
		imgs, keys = append(imgs, []byte(img)), append(keys, []byte(key))
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read a chunk of %s: %w", r.table, err)
	}
	return imgs, keys, nil
}

func (r *reader) Chunk(ctx context.Context, after, until []byte, limit int) ([][]byte, error) {
	imgs, _, err := r.chunk(ctx, after, until, limit)
	return imgs, err
}

// noLimit is TOP's bound for a hash without a limit.
const noLimit = 1<<63 - 1

// Hash reads the rows and sums them up here: a SHA-256 of the images in
// key order. (PostgreSQL sums them up in the server; SQL Server could with
// HASHBYTES over FOR XML PATH, which costs as much to get right as the
// rows cost to send for now.) Two SQL Server readers hash alike.
func (r *reader) Hash(ctx context.Context, after, until []byte, limit int) (fsql.ChunkHash, error) {
	n := limit
	if n <= 0 {
		n = noLimit
	}
	imgs, keys, err := r.chunk(ctx, after, until, n)
	if err != nil {
		return fsql.ChunkHash{}, err
	}
	return fsql.HashImages(imgs, keys, limit), nil
}

// Keys reads the rows of the given keys, at most maxKeysPerRead values a
// statement: a constructor of the keys joined to the table.
func (r *reader) Keys(ctx context.Context, keys [][]byte) ([]fsql.KeyedRow, error) {
	per := max(1, maxKeysPerRead/len(r.key))
	var out []fsql.KeyedRow
	for len(keys) > 0 {
		n := min(per, len(keys))
		got, err := r.keys(ctx, keys[:n])
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		keys = keys[n:]
	}
	return out, nil
}

func (r *reader) keys(ctx context.Context, keys [][]byte) ([]fsql.KeyedRow, error) {
	var args []any
	var values, names, on []string
	for _, k := range keys {
		vals, err := r.args(k)
		if err != nil {
			return nil, err
		}
		ps := make([]string, len(vals))
		for i, v := range vals {
			args = append(args, v)
			ps[i] = r.param(i, len(args))
		}
		values = append(values, "("+strings.Join(ps, ", ")+")")
	}
	for _, c := range r.key {
		names = append(names, ident(c.Name))
		on = append(on, "i."+ident(c.Name)+" = k."+ident(c.Name))
	}
	q := fmt.Sprintf("SELECT %s,\nCASE WHEN i.%s IS NULL THEN NULL ELSE %s END\nFROM (SELECT DISTINCT * FROM (VALUES %s) AS v (%s)) AS k\nLEFT JOIN %s AS i ON %s;",
		r.keyOfK, names[0], r.image, strings.Join(values, ", "), strings.Join(names, ", "), r.name, strings.Join(on, " AND "))
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read %d keys of %s: %w", len(keys), r.table, err)
	}
	defer rows.Close()
	var out []fsql.KeyedRow
	for rows.Next() {
		var key string
		var row stdsql.NullString
		if err := rows.Scan(&key, &row); err != nil {
			return nil, fmt.Errorf("read %d keys of %s: %w", len(keys), r.table, err)
		}
		kr := fsql.KeyedRow{Key: []byte(key)}
		if row.Valid {
			kr.Row = []byte(row.String)
		}
		out = append(out, kr)
	}
	return out, rows.Err()
}

// Estimate is the rows sys.partitions counts for the table's heap or
// clustered index (kept by the engine, not by statistics).
func (snapshot) Estimate(ctx context.Context, db fsql.Querier, schema, table string) (int64, error) {
	var n stdsql.NullInt64
	err := db.QueryRowContext(ctx, `SELECT SUM(p.[rows]) FROM sys.partitions AS p
WHERE p.[object_id] = OBJECT_ID(@p1, N'U') AND p.[index_id] IN (0, 1)`, ident(schema, table)).Scan(&n)
	if err != nil && !errors.Is(err, stdsql.ErrNoRows) {
		return 0, fmt.Errorf("estimate the rows of %s.%s: %w", schema, table, err)
	}
	if !n.Valid {
		return -1, nil
	}
	return n.Int64, nil
}

// KeyIndexed looks for an enabled index, without a filter, whose leading
// key columns are the key's, in its order.
func (snapshot) KeyIndexed(ctx context.Context, db fsql.Querier, schema, table string, key []string) (bool, error) {
	b, _ := json.Marshal(nonNil(key)) // strings always encode
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sys.indexes AS x
WHERE x.[object_id] = OBJECT_ID(@p1, N'U') AND x.[is_disabled] = 0 AND x.[has_filter] = 0 AND x.[type] IN (1, 2)
  AND NOT EXISTS (
    SELECT 1 FROM OPENJSON(@p2) AS k
    WHERE NOT EXISTS (
      SELECT 1 FROM sys.index_columns AS ic
      JOIN sys.columns AS c ON c.[object_id] = ic.[object_id] AND c.[column_id] = ic.[column_id]
      WHERE ic.[object_id] = x.[object_id] AND ic.[index_id] = x.[index_id]
        AND ic.[key_ordinal] = CAST(k.[key] AS int) + 1 AND c.[name] = k.[value]))`, ident(schema, table), string(b)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look for an index on the key of %s.%s: %w", schema, table, err)
	}
	return n > 0, nil
}

// HasRows reads at most one row.
func (snapshot) HasRows(ctx context.Context, db fsql.Querier, schema, table string) (bool, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM `+ident(schema, table)+`) THEN 1 ELSE 0 END`).Scan(&n); err != nil {
		return false, fmt.Errorf("look for rows in %s.%s: %w", schema, table, err)
	}
	return n == 1, nil
}
