package oracle

import (
	"encoding/json"
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
	schema := Fold(captureSchema)
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
