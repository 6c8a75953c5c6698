package oracle

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

// Chunk is a snapshot's select of one chunk of a table in key order, the
// rows rendered as images in the capture trigger's forms (so that Values
// turns them into neutral forms the same way), with no lock taken.
type Chunk struct {
	plan *writePlan // binds the key bound through the key columns' binders
	// SQL selects the key columns (as image text, for the next chunk's
	// bound) and the image; First has no lower bound.
	SQL, First string
}

// NewChunk prepares the chunk select of t by key, leaving out exclude.
func NewChunk(t *fsql.Table, key, exclude []string, captureSchema string) (*Chunk, error) {
	schema := captureSchema
	var cols []fsql.Column
	for _, c := range t.Columns {
		if !slices.Contains(exclude, c.Name) {
			if err := checkType(c); err != nil {
				return nil, fmt.Errorf("table %s column %s: %w", t, c.Name, err)
			}
			cols = append(cols, c)
		}
	}
	p, err := newWritePlan(&fsql.Table{Schema: t.Schema, Name: t.Name, Columns: t.Columns}, key, key, BindOptions{}, true)
	if err != nil {
		return nil, err
	}
	alias := func(name string) string { return "t." + ident(name) }
	image := imageObject(cols, alias, schema, "    ")
	var order []string
	for _, i := range p.keyIdx {
		order = append(order, alias(p.cols[i].Name))
	}
	from := fmt.Sprintf("SELECT %s AS \"IMAGE\"\nFROM %s t\n", image, ident(t.Schema, t.Name))
	tail := "ORDER BY " + strings.Join(order, ", ") + "\nFETCH FIRST :%d ROWS ONLY"

	// Oracle has no row-value comparison (k1, k2) > (:a, :b): it is spelt
	// out as k1 > a OR (k1 = a AND k2 > b), each bound value its own
	// placeholders.
	var ors []string
	n := 1
	for depth := range p.keyIdx {
		var ands []string
		for d := 0; d <= depth; d++ {
			i := p.keyIdx[d]
			ph := make([]string, p.binders[i].width())
			for j := range ph {
				ph[j] = ":" + strconv.Itoa(n)
				n++
			}
			op := "="
			if d == depth {
				op = ">"
			}
			ands = append(ands, alias(p.cols[i].Name)+" "+op+" "+p.binders[i].expr(ph))
		}
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return &Chunk{
		plan:  p,
		First: from + fmt.Sprintf(tail, 1),
		SQL:   from + "WHERE " + strings.Join(ors, "\n   OR ") + "\n" + fmt.Sprintf(tail, n),
	}, nil
}

// Args binds the last key of the previous chunk (neutral values in key
// order) and the limit for SQL.
func (c *Chunk) Args(last []json.RawMessage, limit int) ([]any, error) {
	p := c.plan
	if len(last) != len(p.keyIdx) {
		return nil, fmt.Errorf("a key of %s has %d values for %d key columns", p.table, len(last), len(p.keyIdx))
	}
	var args []any
	for depth := range p.keyIdx {
		for d := 0; d <= depth; d++ {
			v, err := p.binders[p.keyIdx[d]].bind(last[d])
			if err != nil {
				return nil, fmt.Errorf("bind the snapshot's key bound: %w", err)
			}
			args = append(args, v...)
		}
	}
	return append(args, int64(limit)), nil
}

// snapshot is Oracle's reads for `ferry snapshot` and `ferry verify`.
type snapshot struct{}

// Snapshot reads Oracle tables for snapshots and verify.
func (Dialect) Snapshot() fsql.Snapshot { return snapshot{} }

// errNoReader: the chunk select exists (Chunk) but the Reader around it
// (Chunk's images, Hash and Keys) is not wired yet.
var errNoReader = errors.New("oracle: snapshot and verify reads are not implemented yet (sql/oracle/README.md, what remains)")

// Reader is not implemented yet: it refuses, naming the gap.
func (snapshot) Reader(context.Context, *stdsql.DB, fsql.ReadSpec) (fsql.Reader, error) {
	return nil, errNoReader
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
