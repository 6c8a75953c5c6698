package sqlserver

import (
	"encoding/json"
	"fmt"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// ChunkSelect returns the snapshot's chunk query for a table (DBLog, see
// design.md): up to @p1 rows in key order, each as its after image in the
// capture trigger's own form, so that Neutral reads snapshot rows and
// captured rows alike. first reads from the start; otherwise the rows come
// after the key given as @p2, @p3, ... (ChunkArgs). It takes no table lock.
func ChunkSelect(s fsql.CaptureSpec, first bool) (string, error) {
	for _, k := range s.Key {
		if c, ok := s.Table.Column(k); !ok || c.Nullable {
			// WHERE k > @p and ORDER BY cannot walk past a NULL: its rows
			// would be left out of the snapshot without a word.
			return "", fmt.Errorf("%s: snapshot chunks need a key of NOT NULL columns; %s is nullable or missing", s.Table, k)
		}
	}
	cols, types, err := imageColumns(s)
	if err != nil {
		return "", err
	}
	image, err := imageExpr(cols, types, func(int) string { return "i" }, func(int) bool { return false }, "    ")
	if err != nil {
		return "", err
	}
	order := make([]string, len(s.Key))
	for i, k := range s.Key {
		order[i] = "i." + ident(k)
	}
	q := fmt.Sprintf("SELECT TOP (@p1) %s AS [after]\nFROM %s AS i", image, ident(s.Table.Schema, s.Table.Name))
	if !first {
		// (k1, k2, ...) > (@p2, @p3, ...) spelt out: T-SQL has no row comparison.
		var ors []string
		for i := range s.Key {
			var ands []string
			for j := 0; j < i; j++ {
				ands = append(ands, fmt.Sprintf("%s = @p%d", order[j], j+2))
			}
			ands = append(ands, fmt.Sprintf("%s > @p%d", order[i], i+2))
			ors = append(ors, "("+strings.Join(ands, " AND ")+")")
		}
		q += "\nWHERE " + strings.Join(ors, "\n   OR ")
	}
	return q + "\nORDER BY " + strings.Join(order, ", ") + ";", nil
}

// ChunkArgs are the parameters of the next chunk after the row whose image
// (in neutral forms) is last: the limit, then its key's values. A char or
// varchar key that is not ASCII travels as nvarchar, which compares
// correctly (if without the index's help).
func ChunkArgs(t *fsql.Table, key []string, limit int, last []byte) ([]any, error) {
	var img map[string]json.RawMessage
	if err := json.Unmarshal(last, &img); err != nil {
		return nil, fmt.Errorf("read the last snapshot row of %s: %w", t, err)
	}
	args := []any{limit}
	for _, k := range key {
		fc, ok := t.Column(k)
		if !ok {
			return nil, fmt.Errorf("%s has no key column %s", t, k)
		}
		c, err := targetColumn(fc)
		if err != nil {
			return nil, err
		}
		c.Nullable = true
		c.Facts.CodePage = utf8CodePage // the value came from this very column
		b, err := c.Bind(img[k])
		if err != nil {
			return nil, &ValueError{Table: t.String(), Column: k, Key: string(last), Err: err}
		}
		args = append(args, b.Param)
	}
	return args, nil
}
