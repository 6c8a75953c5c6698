package postgres

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	fsql "github.com/ferry-cdc/ferry/sql"
)

type target struct{}

var _ fsql.Writer = target{}

// Target is PostgreSQL as a target.
func (Dialect) Target() fsql.Target { return target{} }

func (target) Upsert(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key, columns []string, rows [][]json.RawMessage) error {
	body, err := rowsJSON(t, key, columns, rows)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, upsertSQL(t, key, columns), string(body))
	return err
}

func (target) Write(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key, columns []string, deletes, rows [][]json.RawMessage) error {
	body, err := rowsJSON(t, key, columns, rows)
	if err != nil {
		return err
	}
	keys, err := rowsJSON(t, key, key, deletes)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, writeSQL(t, key, columns), string(body), string(keys))
	return err
}

// writeSQL deletes the rows whose keys are in $2 and upserts the rows of $1
// in one statement, so that PostgreSQL checks the foreign keys that are not
// deferrable once, at the statement's end, with every row in place. The
// statements in a WITH run in no set order, so the upsert's rows pass
// through a one-time filter on the count of the deleted rows: it reads the
// whole DELETE before the first row is inserted, and a unique value a
// deleted row held is free (the unique check ignores rows this transaction
// deleted).
func writeSQL(t *fsql.Table, key, columns []string) string {
	del := "ferry_d AS (" + deleteSQL(t, key, 2) + " RETURNING 1)"
	return upsertAfter(t, key, columns, del, `(SELECT pg_catalog.count(*) FROM ferry_d) >= 0`)
}

// upsertSQL inserts or updates by key. json_populate_recordset converts
// each value with the column type's own input function: exact for every
// type Ferry carries. An always-identity column is written with OVERRIDING
// SYSTEM VALUE when a row is inserted and left as it is when one is updated
// (PostgreSQL lets no UPDATE set it). ON CONFLICT cannot use a deferrable
// key, so for one the rows that exist are updated and the others inserted.
func upsertSQL(t *fsql.Table, key, columns []string) string {
	return upsertAfter(t, key, columns, "", "")
}

// upsertAfter is upsertSQL with a query of its own first (with, a WITH
// item) and a condition on the rows it writes (gate).
func upsertAfter(t *fsql.Table, key, columns []string, with, gate string) string {
	cols := make([]string, len(columns))
	var sets []string
	overriding := ""
	for i, c := range columns {
		cols[i] = ident(c)
		col, _ := t.Column(c)
		if col.Identity == fsql.IdentityAlways {
			overriding = " OVERRIDING SYSTEM VALUE"
			continue
		}
		if !slices.Contains(key, c) {
			sets = append(sets, c)
		}
	}
	keys := make([]string, len(key))
	for i, k := range key {
		keys[i] = ident(k)
	}
	table := ident(t.Schema, t.Name)
	list := strings.Join(cols, ", ")
	source := fmt.Sprintf(`SELECT %s FROM pg_catalog.json_populate_recordset(NULL::%s, $1::pg_catalog.json) ferry_r`, populated(t, columns), table)
	if gate != "" {
		source += " WHERE " + gate
	}
	if !t.KeyDeferrable {
		onConflict := "DO NOTHING"
		if len(sets) > 0 {
			assign := make([]string, len(sets))
			for i, c := range sets {
				assign[i] = ident(c) + " = EXCLUDED." + ident(c)
			}
			onConflict = "DO UPDATE SET " + strings.Join(assign, ", ")
		}
		if with != "" {
			with = "WITH " + with + "\n"
		}
		return fmt.Sprintf("%sINSERT INTO %s (%s)%s %s\nON CONFLICT (%s) %s", with, table, list, overriding, source, strings.Join(keys, ", "), onConflict)
	}
	match := func(a, b string) string {
		m := make([]string, len(key))
		for i, k := range key {
			m[i] = a + "." + ident(k) + " = " + b + "." + ident(k)
		}
		return strings.Join(m, " AND ")
	}
	source += counted("$1::pg_catalog.json") // ferry_v is joined with the table
	existing := fmt.Sprintf("SELECT %s FROM %s ferry_t, ferry_v WHERE %s", prefixed("ferry_t", keys), table, match("ferry_t", "ferry_v"))
	if len(sets) > 0 {
		assign := make([]string, len(sets))
		for i, c := range sets {
			assign[i] = ident(c) + " = ferry_v." + ident(c)
		}
		existing = fmt.Sprintf("UPDATE %s ferry_t SET %s FROM ferry_v WHERE %s RETURNING %s", table, strings.Join(assign, ", "), match("ferry_t", "ferry_v"), prefixed("ferry_t", keys))
	}
	if with != "" {
		with += ",\n"
	}
	return fmt.Sprintf("WITH %sferry_v AS (%s),\nferry_u AS (%s)\nINSERT INTO %s (%s)%s SELECT %s FROM ferry_v WHERE NOT EXISTS (SELECT FROM ferry_u WHERE %s)",
		with, source, existing, table, list, overriding, list, match("ferry_u", "ferry_v"))
}

// populated is the select list of columns from ferry_r, a row that
// json_populate_record(set) read. A json or jsonb value arrives as a JSON
// string of its text (rowsJSON) and is cast here to the column's type: as
// a JSON value, a JSON null would read as SQL NULL.
func populated(t *fsql.Table, columns []string) string {
	values := make([]string, len(columns))
	for i, c := range columns {
		values[i] = "ferry_r." + ident(c)
		if col, _ := t.Column(c); col.Kind == fsql.KindJSON {
			values[i] = fmt.Sprintf("(ferry_r.%s OPERATOR(pg_catalog.#>>) '{}')::%s AS %s", ident(c), col.Type, ident(c))
		}
	}
	return strings.Join(values, ", ")
}

func prefixed(alias string, idents []string) string {
	out := make([]string, len(idents))
	for i, id := range idents {
		out[i] = alias + "." + id
	}
	return strings.Join(out, ", ")
}

func (target) Delete(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key []string, keys [][]json.RawMessage) error {
	body, err := rowsJSON(t, key, key, keys)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, deleteSQL(t, key, 1), string(body))
	return err
}

// counted is a LIMIT of the length of the JSON array param, for a query
// that joins the array's rows with a table. It never cuts the array: it
// tells the planner how many rows the array holds. Without it the planner
// takes any set-returning function for 100 rows, and against a table of
// some tens of thousands of rows it hashes those 100 and reads the whole
// table, milliseconds per batch, where a few index lookups do
// (TestBatchStatementsLookUpKeysByIndex). A bound plan folds the length
// into a constant; a generic one reckons with a tenth of 100. A LIMIT only
// ever lowers an estimate: an array of 100 keys or more is planned as
// before.
func counted(param string) string {
	return " LIMIT pg_catalog.json_array_length(" + param + ")"
}

// deleteSQL deletes the rows whose keys are in parameter n, a JSON array.
func deleteSQL(t *fsql.Table, key []string, n int) string {
	cols := make([]string, len(key))
	for i, k := range key {
		cols[i] = ident(k)
	}
	param := fmt.Sprintf("$%d::pg_catalog.json", n)
	return fmt.Sprintf(`DELETE FROM %s WHERE (%s) IN (SELECT %s FROM pg_catalog.json_populate_recordset(NULL::%s, %s) ferry_r%s)`,
		ident(t.Schema, t.Name), strings.Join(cols, ", "), populated(t, key), ident(t.Schema, t.Name), param, counted(param))
}

func (target) DeleteMatching(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, match map[string]json.RawMessage) error {
	table := ident(t.Schema, t.Name)
	if len(match) == 0 {
		_, err := tx.ExecContext(ctx, `DELETE FROM `+table)
		return err
	}
	names := slices.Sorted(maps.Keys(match))
	cols := make([]string, len(names))
	row := make([]json.RawMessage, len(names))
	for i, n := range names {
		cols[i] = ident(n)
		row[i] = match[n]
	}
	b, err := rowsJSON(t, nil, names, [][]json.RawMessage{row})
	if err != nil {
		return err
	}
	b = b[1 : len(b)-1] // the one object
	q := fmt.Sprintf(`DELETE FROM %s WHERE (%s) = (SELECT %s FROM pg_catalog.json_populate_record(NULL::%s, $1::pg_catalog.json) ferry_r)`,
		table, strings.Join(cols, ", "), populated(t, names), table)
	_, err = tx.ExecContext(ctx, q, string(b))
	return err
}

func (target) Truncate(ctx context.Context, tx *stdsql.Tx, t *fsql.Table) error {
	_, err := tx.ExecContext(ctx, `TRUNCATE TABLE `+ident(t.Schema, t.Name))
	return err
}

func (target) Immediate(ctx context.Context, tx *stdsql.Tx) error {
	_, err := tx.ExecContext(ctx, `SET CONSTRAINTS ALL IMMEDIATE`)
	return err
}

func (target) Savepoint(ctx context.Context, tx *stdsql.Tx, name string) error {
	_, err := tx.ExecContext(ctx, "SAVEPOINT "+ident(name))
	return err
}

func (target) RollbackTo(ctx context.Context, tx *stdsql.Tx, name string) error {
	_, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+ident(name))
	return err
}

// Classify sorts by SQLSTATE class: connection and resource trouble,
// deadlocks, serialization failures and a server shutting down are retried;
// foreign-key and unique violations wait; an undefined column or table
// sends the applier to the catalog; data errors go to the DLQ.
func (Dialect) Classify(err error) fsql.ErrorClass {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "23503":
			return fsql.ForeignKey
		case pg.Code == "23505":
			return fsql.Unique
		case pg.Code == "42703", pg.Code == "42P01":
			return fsql.Schema
		case pg.Code == "40001", pg.Code == "40P01", pg.Code == "55P03", pg.Code == "57014":
			return fsql.Retry
		case strings.HasPrefix(pg.Code, "08"), strings.HasPrefix(pg.Code, "53"), strings.HasPrefix(pg.Code, "57"),
			strings.HasPrefix(pg.Code, "58"), strings.HasPrefix(pg.Code, "XX"):
			return fsql.Retry
		}
		return fsql.Reject
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, stdsql.ErrConnDone) || pgconn.SafeToRetry(err) {
		return fsql.Retry
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return fsql.Retry
	}
	// Unknown errors are retried: sending a change to the DLQ for a fault of
	// the connection would be worse than trying again.
	return fsql.Retry
}
