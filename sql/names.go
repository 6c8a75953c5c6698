package sql

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNeedsConnection is returned (wrapped) by Dialect.DefaultSchema without
// a connection when the default schema depends on who connects.
var ErrNeedsConnection = errors.New("the default schema depends on the connection")

// Names resolves the table and column names a config writes into the
// names the catalog holds: a name in double quotes ("Emp") is exact, with
// "" standing for one quote; any other is the dialect's Fold of it. A bare
// table name is in the default schema.
type Names struct {
	Default string
	Fold    func(string) string
}

// NamesOf reads the default schema from q (nil: the dialect's fixed one)
// and returns d's Names.
func NamesOf(ctx context.Context, d Dialect, q Querier) (Names, error) {
	def, err := d.DefaultSchema(ctx, q)
	if err != nil {
		return Names{}, fmt.Errorf("read the default schema of %s: %w", d.Name(), err)
	}
	return Names{Default: def, Fold: d.Fold}, nil
}

// Name is one name as the catalog holds it.
func (n Names) Name(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	if n.Fold == nil {
		return s
	}
	return n.Fold(s)
}

// All is each of names as the catalog holds it; nil stays nil.
func (n Names) All(names []string) []string {
	if names == nil {
		return nil
	}
	out := make([]string, len(names))
	for i, s := range names {
		out[i] = n.Name(s)
	}
	return out
}

// Table is a table's schema and name, given as the config writes them:
// schema "" means the default schema.
func (n Names) Table(schema, table string) (string, string) {
	if schema == "" {
		return n.Default, n.Name(table)
	}
	return n.Name(schema), n.Name(table)
}
