package oracle

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

type target struct{ opts BindOptions }

// Target is Oracle as a target, with the default BindOptions.
func (Dialect) Target() fsql.Target { return target{} }

// Upsert merges rows (neutral values in columns' order) into t by key,
// through Writer (write.go): one array-bound MERGE per batch.
func (tg target) Upsert(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key, columns []string, rows [][]json.RawMessage) error {
	w, err := NewWriter(t, key, columns, tg.opts)
	if err != nil {
		return err
	}
	return w.Upsert(ctx, tx, rows)
}

// Delete deletes the rows with the given keys (neutral values in key's
// order) through Writer.
func (tg target) Delete(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key []string, keys [][]json.RawMessage) error {
	w, err := NewWriter(t, key, key, tg.opts)
	if err != nil {
		return err
	}
	return w.Delete(ctx, tx, keys)
}

// DeleteMatching deletes the rows whose columns equal match; a JSON null
// matches NULL.
func (tg target) DeleteMatching(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, match map[string]json.RawMessage) error {
	q, args, err := deleteMatching(t, match, tg.opts)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, q, args...)
	return err
}

func deleteMatching(t *fsql.Table, match map[string]json.RawMessage, opts BindOptions) (string, []any, error) {
	q := "DELETE FROM " + ident(t.Schema, t.Name)
	var conds []string
	var args []any
	for _, n := range slices.Sorted(maps.Keys(match)) {
		c, ok := t.Column(n)
		if !ok {
			return "", nil, fmt.Errorf("%s has no column %s", t, n)
		}
		if v := strings.TrimSpace(string(match[n])); v == "" || v == "null" {
			conds = append(conds, ident(c.Name)+" IS NULL")
			continue
		}
		b, err := newBinder(c, opts)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", t, err)
		}
		vals, err := b.bind(match[n])
		if err != nil {
			return "", nil, &ValueError{Table: t.String(), Column: n, Err: err}
		}
		ph := make([]string, len(vals))
		for i := range vals {
			ph[i] = ":" + strconv.Itoa(len(args)+i+1)
		}
		conds = append(conds, ident(c.Name)+" = "+b.expr(ph))
		args = append(args, vals...)
	}
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	return q, args, nil
}

// Truncate empties the table with DELETE: TRUNCATE is DDL in Oracle and
// would commit the applier's transaction, offsets and all, half way.
func (target) Truncate(ctx context.Context, tx *stdsql.Tx, t *fsql.Table) error {
	_, err := tx.ExecContext(ctx, truncateSQL(t))
	return err
}

func truncateSQL(t *fsql.Table) string { return "DELETE FROM " + ident(t.Schema, t.Name) }

// Immediate makes deferrable constraints checked at each statement for
// the rest of the transaction.
func (target) Immediate(ctx context.Context, tx *stdsql.Tx) error {
	_, err := tx.ExecContext(ctx, immediateSQL)
	return err
}

const immediateSQL = "SET CONSTRAINTS ALL IMMEDIATE"

// catalogVersion fingerprints the tables named in the JSON array :1 (of
// [owner, table] pairs): each object's LAST_DDL_TIME and status, of the
// tables and of every trigger, index and constraint on them (ALTER TABLE,
// CREATE INDEX and CREATE TRIGGER each change one), and how many of the
// tables exist. A sum of ORA_HASH values, since LISTAGG is limited to 4000
// bytes: it only needs to change when the catalog does.
const catalogVersion = `WITH n AS (
    SELECT j."O", j."T" FROM JSON_TABLE(:1, '$[*]' ERROR ON ERROR COLUMNS (
        "O" VARCHAR2(128) PATH '$[0]', "T" VARCHAR2(128) PATH '$[1]')) j),
f AS (
    SELECT o.OWNER || '.' || o.OBJECT_NAME || ' ' || o.OBJECT_TYPE || ' ' || o.STATUS || ' ' ||
        TO_CHAR(o.LAST_DDL_TIME, 'YYYYMMDDHH24MISS') AS "F"
    FROM ALL_OBJECTS o JOIN n ON o.OWNER = n."O" AND o.OBJECT_NAME = n."T" AND o.OBJECT_TYPE = 'TABLE'
    UNION ALL
    SELECT g.OWNER || '.' || g.TRIGGER_NAME || ' ' || g.STATUS || ' ' || TO_CHAR(o.LAST_DDL_TIME, 'YYYYMMDDHH24MISS')
    FROM ALL_TRIGGERS g JOIN n ON g.TABLE_OWNER = n."O" AND g.TABLE_NAME = n."T"
    JOIN ALL_OBJECTS o ON o.OWNER = g.OWNER AND o.OBJECT_NAME = g.TRIGGER_NAME AND o.OBJECT_TYPE = 'TRIGGER'
    UNION ALL
    SELECT i.OWNER || '.' || i.INDEX_NAME || ' ' || i.UNIQUENESS || ' ' || i.STATUS
    FROM ALL_INDEXES i JOIN n ON i.TABLE_OWNER = n."O" AND i.TABLE_NAME = n."T"
    UNION ALL
    SELECT c.OWNER || '.' || c.CONSTRAINT_NAME || ' ' || c.CONSTRAINT_TYPE || ' ' || c.STATUS || ' ' || c.DEFERRABLE || ' ' || c.DEFERRED
    FROM ALL_CONSTRAINTS c JOIN n ON c.OWNER = n."O" AND c.TABLE_NAME = n."T")
SELECT TO_CHAR(COUNT(*)) || ':' || TO_CHAR(NVL(SUM(ORA_HASH(f."F")), 0)) FROM f`

// CatalogVersion reads catalogVersion for tables.
func (target) CatalogVersion(ctx context.Context, q fsql.Querier, tables []*fsql.Table) (string, error) {
	names := make([][2]string, len(tables))
	for i, t := range tables {
		names[i] = [2]string{t.Schema, t.Name}
	}
	b, _ := json.Marshal(names) // strings always encode
	var v string
	if err := q.QueryRowContext(ctx, catalogVersion, string(b)).Scan(&v); err != nil {
		return "", fmt.Errorf("read the catalog version: %w", err)
	}
	return v, nil
}

// savepointName is a plain identifier: names are Ferry's own constants;
// anything else is refused rather than quoted.
var savepointName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,29}$`)

// Savepoint marks a point to roll back to; Oracle has no RELEASE
// SAVEPOINT, and needs none: a savepoint ends with its transaction.
func (target) Savepoint(ctx context.Context, tx *stdsql.Tx, name string) error {
	q, err := savepointSQL("SAVEPOINT ", name)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, q)
	return err
}

// RollbackTo undoes what followed the savepoint.
func (target) RollbackTo(ctx context.Context, tx *stdsql.Tx, name string) error {
	q, err := savepointSQL("ROLLBACK TO SAVEPOINT ", name)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, q)
	return err
}

func savepointSQL(verb, name string) (string, error) {
	if !savepointName.MatchString(name) {
		return "", fmt.Errorf("savepoint name %q is not a plain identifier of at most 30 characters", name)
	}
	return verb + name, nil
}
