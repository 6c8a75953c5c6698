package sqlserver

import (
	"bytes"
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	mssql "github.com/microsoft/go-mssqldb"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// The target writes a batch of upserts with one MERGE ... WITH (HOLDLOCK)
// and a batch of deletes with one DELETE ... JOIN, inside the applier's
// transaction, so the rows and the offsets commit together. HOLDLOCK makes
// MERGE an atomic upsert: without it two appliers can both find a key
// missing and both insert it.
//
// The rows reach the statement one of two ways:
//
//   - Small batches: a table value constructor of parameters, each CAST to
//     its column's exact type (so that the rows' types do not widen and
//     round). At most maxParams parameters and maxRows rows per statement
//     (SQL Server allows 2,100 parameters per request); more rows are
//     several statements.
//   - Larger batches: bulk copy (mssql.CopyIn) into a #stage table, then
//     one MERGE or DELETE from it. The stage is made by a statement without
//     parameters (SELECT TOP (0) ... INTO, which copies types and
//     collations; the join keeps IDENTITY off), on the transaction's own
//     connection, so it lives in the session (go-mssqldb's README: a #temp
//     table made by a parameterised statement dies with that statement).
//
// Where one becomes the other (stageAbove) is a guess, not a measurement:
// no SQL Server runs where this was written. The constructor costs one
// round trip per 2,100 values; the stage costs about seven round trips
// (create, bulk copy's FMTONLY metadata read, INSERT BULK, rows, MERGE).
//
// Every write batch sets XACT_ABORT OFF for itself, so that a constraint
// error ends the statement only and the transaction stays committable, as
// the applier's savepoints need; SET IDENTITY_INSERT and XACT_ABORT made
// inside a parameterised batch end with it, so neither leaks into the
// session. Computed, GENERATED ALWAYS and rowversion columns are never
// written; an IDENTITY column is inserted under SET IDENTITY_INSERT and
// never updated.

const (
	maxParams  = 2000 // below SQL Server's 2,100 per request, with room to spare
	maxRows    = 1000 // the table value constructor's documented row limit
	stageAbove = 2 * maxParams
	stageTable = "#ferry_stage"
)

// write is one table's columns as a batch writes them.
type write struct {
	table     *fsql.Table
	name      string // quoted schema.table
	cols      []column
	key       []int  // indexes of the key columns in cols
	ident     bool   // an IDENTITY column is written
	noBulk    bool   // a column type bulk copy cannot send (json)
	stageName string // the stage table bulk copy fills
}

func newWrite(t *fsql.Table, key, columns []string, forDelete bool) (*write, error) {
	w := &write{table: t, name: ident(t.Schema, t.Name), stageName: stageTable}
	names := columns
	if forDelete {
		names = key
	}
	for _, n := range names {
		fc, ok := t.Column(n)
		if !ok {
			return nil, fmt.Errorf("%s has no column %s", t, n)
		}
		c, err := targetColumn(fc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		isKey := slices.Contains(key, n)
		if !forDelete && (!c.Facts.writable() || c.Type.Base == "rowversion") {
			if isKey {
				return nil, fmt.Errorf("%s key column %s is computed or generated: it cannot be written", t, n)
			}
			continue // the database computes it
		}
		if !forDelete && c.Facts.Identity {
			w.ident = true
		}
		if c.Type.Base == "json" {
			w.noBulk = true
		}
		w.cols = append(w.cols, c)
	}
	for _, k := range key {
		i := slices.IndexFunc(w.cols, func(c column) bool { return c.Name == k })
		if i < 0 {
			return nil, fmt.Errorf("%s: key column %s is not among the columns written", t, k)
		}
		w.key = append(w.key, i)
	}
	if len(w.key) == 0 {
		return nil, fmt.Errorf("%s: no key to write by", t)
	}
	if w.noBulk && len(w.cols) > maxParams {
		return nil, fmt.Errorf("%s: %d columns with a json column: more than one statement's %d parameters, and bulk copy cannot send json",
			t, len(w.cols), maxParams)
	}
	return w, nil
}

// keyText is a row's key for messages: the key columns' neutral values as
// a JSON object, in key order.
func (w *write) keyText(row []json.RawMessage) string {
	var b strings.Builder
	b.WriteByte('{')
	for j, i := range w.key {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonName(w.cols[i].Name) + ":")
		if i < len(row) && len(row[i]) > 0 {
			b.Write(bytes.TrimSpace(row[i]))
		} else {
			b.WriteString("null")
		}
	}
	b.WriteByte('}')
	return b.String()
}

// bindRows binds every value, refusing the batch on the first value the
// target cannot hold exactly. Rows with the same key keep only the last:
// one statement cannot write a row twice.
func (w *write) bindRows(rows [][]json.RawMessage) ([][]bound, error) {
	out := make([][]bound, 0, len(rows))
	seen := make(map[string]int, len(rows))
	for _, row := range rows {
		if len(row) != len(w.cols) {
			return nil, fmt.Errorf("%s: a row has %d values for %d columns", w.table, len(row), len(w.cols))
		}
		b := make([]bound, len(row))
		for i, c := range w.cols {
			v, err := c.Bind(row[i])
			if err != nil {
				return nil, &ValueError{Table: w.table.String(), Column: c.Name, Key: w.keyText(row), Err: err}
			}
			b[i] = v
		}
		k := w.keyText(row)
		if i, dup := seen[k]; dup {
			out[i] = b
			continue
		}
		seen[k] = len(out)
		out = append(out, b)
	}
	return out, nil
}

// castType is the type a constructor's parameter is cast to: the column's
// own, except that a char or varchar column whose values in this statement
// are not all ASCII takes them as nvarchar (see bound.Wide), and the old
// large types take their modern forms.
func (c column) castType(wide bool) string {
	t := c.Type
	switch t.Base {
	case "text":
		t = colType{Base: "varchar", Length: maxLength}
	case "ntext":
		t = colType{Base: "nvarchar", Length: maxLength}
	case "image":
		t = colType{Base: "varbinary", Length: maxLength}
	case "json":
		t = colType{Base: "nvarchar", Length: maxLength}
	}
	if wide && (t.Base == "char" || t.Base == "varchar") {
		t.Base = "n" + t.Base
		if t.Length > 4000 {
			t.Length = maxLength
		}
	}
	return t.String()
}

func (w *write) quotedColumns(prefix string) []string {
	out := make([]string, len(w.cols))
	for i, c := range w.cols {
		out[i] = prefix + ident(c.Name)
	}
	return out
}

// on is the key match between the target t and the source s.
func (w *write) on() string {
	conds := make([]string, len(w.key))
	for j, i := range w.key {
		conds[j] = "t." + ident(w.cols[i].Name) + " = s." + ident(w.cols[i].Name)
	}
	return strings.Join(conds, " AND ")
}

// merge is the MERGE from source (a constructor or the stage) into the table.
func (w *write) merge(source string) string { return w.mergeFrom(source, "") }

// mergeFrom is merge, and with op set, the source's column op says which
// rows are deletes ('d') and which upserts ('u').
func (w *write) mergeFrom(source, op string) string {
	var sets []string
	for i, c := range w.cols {
		if slices.Contains(w.key, i) || c.Facts.Identity {
			continue
		}
		sets = append(sets, "t."+ident(c.Name)+" = s."+ident(c.Name))
	}
	var b strings.Builder
	b.WriteString("SET XACT_ABORT OFF;\n")
	if w.ident {
		fmt.Fprintf(&b, "SET IDENTITY_INSERT %s ON;\n", w.name)
	}
	fmt.Fprintf(&b, "MERGE %s WITH (HOLDLOCK) AS t\nUSING %s\nON %s\n", w.name, source, w.on())
	insert := ""
	if op != "" {
		fmt.Fprintf(&b, "WHEN MATCHED AND s.%s = N'd' THEN DELETE\n", ident(op))
		insert = " AND s." + ident(op) + " = N'u'"
	}
	if len(sets) > 0 {
		fmt.Fprintf(&b, "WHEN MATCHED THEN UPDATE SET %s\n", strings.Join(sets, ", "))
	}
	fmt.Fprintf(&b, "WHEN NOT MATCHED BY TARGET%s THEN INSERT (%s) VALUES (%s);",
		insert, strings.Join(w.quotedColumns(""), ", "), strings.Join(w.quotedColumns("s."), ", "))
	if w.ident {
		fmt.Fprintf(&b, "\nSET IDENTITY_INSERT %s OFF;", w.name)
	}
	return b.String()
}

// deleteFrom is the DELETE of the rows whose keys are in source.
func (w *write) deleteFrom(source string) string {
	return fmt.Sprintf("SET XACT_ABORT OFF;\nDELETE t FROM %s AS t\nJOIN %s\nON %s;", w.name, source, w.on())
}

// constructor is a table value constructor of rows parameters, numbered
// from @p1, each cast to its column's type, aliased as s.
func (w *write) constructor(rows [][]bound) (string, []any) { return w.constructorAfter(rows, 0) }

// constructorAfter is constructor with its parameters numbered after the
// first n of the statement.
func (w *write) constructorAfter(rows [][]bound, n int) (string, []any) {
	wide := make([]bool, len(w.cols))
	for _, r := range rows {
		for i, v := range r {
			wide[i] = wide[i] || v.Wide
		}
	}
	var b strings.Builder
	args := make([]any, 0, len(rows)*len(w.cols))
	b.WriteString("(VALUES")
	for ri, r := range rows {
		if ri > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    (")
		for i, v := range r {
			if i > 0 {
				b.WriteString(", ")
			}
			args = append(args, v.Param)
			fmt.Fprintf(&b, "CAST(@p%d AS %s)", n+len(args), w.cols[i].castType(wide[i]))
		}
		b.WriteByte(')')
	}
	fmt.Fprintf(&b, "\n) AS s (%s)", strings.Join(w.quotedColumns(""), ", "))
	return b.String(), args
}

// chunks splits rows so that no statement has more than maxParams
// parameters or maxRows rows.
func chunks(rows [][]bound, cols int) [][][]bound {
	per := max(1, min(maxRows, maxParams/max(cols, 1)))
	var out [][][]bound
	for len(rows) > 0 {
		n := min(per, len(rows))
		out = append(out, rows[:n])
		rows = rows[n:]
	}
	return out
}

// useStage says whether a batch goes through bulk copy.
func (w *write) useStage(rows int) bool {
	return !w.noBulk && (rows*len(w.cols) > stageAbove || len(w.cols) > maxParams)
}

// stageCreate makes the stage table, empty, with the written columns' types
// and collations; the join keeps an IDENTITY column from being copied as
// one. It has no parameters, so the table outlives the statement.
func (w *write) stageCreate() string {
	return fmt.Sprintf("DROP TABLE IF EXISTS %[1]s;\nSELECT TOP (0) %[2]s INTO %[1]s FROM %[3]s AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;",
		ident(w.stageName), strings.Join(w.quotedColumns("t."), ", "), w.name)
}

// stageCheck fails the batch when the stage does not hold the @p1 rows that
// bulk copy sent.
func stageCheck() string { return stageCheckOf(stageTable, 1) }

// stageCheckOf fails the batch when table does not hold the rows that
// parameter n counts.
func stageCheckOf(table string, n int) string {
	return fmt.Sprintf("IF (SELECT COUNT_BIG(*) FROM %s) <> @p%d\n    THROW %d, N'ferry: the stage table does not hold the rows sent', 1;\n",
		ident(table), n, stageIncomplete)
}

func stageDrop() string { return stageDropOf(stageTable) }

func stageDropOf(table string) string { return "\nDROP TABLE " + ident(table) + ";" }

// stage bulk copies rows into a fresh stage table on tx's connection.
func (w *write) stage(ctx context.Context, tx *stdsql.Tx, rows [][]bound) error {
	if _, err := tx.ExecContext(ctx, w.stageCreate()); err != nil {
		return fmt.Errorf("create the stage table for %s: %w", w.table, err)
	}
	names := make([]string, len(w.cols))
	for i, c := range w.cols {
		names[i] = c.Name
	}
	stmt, err := tx.PrepareContext(ctx, mssql.CopyIn(w.stageName, mssql.BulkOptions{Tablock: true}, names...))
	if err != nil {
		return fmt.Errorf("bulk copy into the stage table for %s: %w", w.table, err)
	}
	defer stmt.Close()
	vals := make([]any, len(w.cols))
	for _, r := range rows {
		for i, v := range r {
			vals[i] = v.Bulk
		}
		if _, err := stmt.ExecContext(ctx, vals...); err != nil {
			return fmt.Errorf("bulk copy into the stage table for %s: %w", w.table, err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("bulk copy into the stage table for %s: %w", w.table, err)
	}
	return nil
}

// UpsertRows inserts or updates rows, given in their neutral forms, one
// value per column of columns, by key. This is the target's logic; Upsert
// is today's contract's adapter to it.
func UpsertRows(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key, columns []string, rows [][]json.RawMessage) error {
	w, err := newWrite(t, key, columns, false)
	if err != nil {
		return err
	}
	rows, err = w.project(columns, rows)
	if err != nil {
		return err
	}
	bound, err := w.bindRows(rows)
	if err != nil {
		return err
	}
	return w.run(ctx, tx, bound, w.merge)
}

// DeleteRows deletes the rows whose keys (neutral forms, one value per key
// column) are given.
func DeleteRows(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key []string, keys [][]json.RawMessage) error {
	w, err := newWrite(t, key, nil, true)
	if err != nil {
		return err
	}
	bound, err := w.bindRows(keys)
	if err != nil {
		return err
	}
	return w.run(ctx, tx, bound, w.deleteFrom)
}

// run sends rows with statement(source) as the source it is given: the
// stage table after bulk copy, or constructors of at most maxParams
// parameters.
func (w *write) run(ctx context.Context, tx *stdsql.Tx, rows [][]bound, statement func(source string) string) error {
	if len(rows) == 0 {
		return nil
	}
	if w.useStage(len(rows)) {
		if err := w.stage(ctx, tx, rows); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, stageCheck()+statement(ident(stageTable)+" AS s")+stageDrop(), int64(len(rows)))
		return err
	}
	for _, c := range chunks(rows, len(w.cols)) {
		src, args := w.constructor(c)
		if _, err := tx.ExecContext(ctx, statement(src), args...); err != nil {
			return err
		}
	}
	return nil
}

// project keeps the values of the columns w writes, in w's order.
func (w *write) project(columns []string, rows [][]json.RawMessage) ([][]json.RawMessage, error) {
	idx := make([]int, len(w.cols))
	for i, c := range w.cols {
		idx[i] = slices.Index(columns, c.Name)
	}
	out := make([][]json.RawMessage, len(rows))
	for r, row := range rows {
		if len(row) != len(columns) {
			return nil, fmt.Errorf("%s: a row has %d values for %d columns", w.table, len(row), len(columns))
		}
		p := make([]json.RawMessage, len(idx))
		for i, j := range idx {
			p[i] = row[j]
		}
		out[r] = p
	}
	return out, nil
}

type target struct{}

// Target is SQL Server as a target.
func (Dialect) Target() fsql.Target { return target{} }

// Upsert writes neutral rows with MERGE (UpsertRows).
func (target) Upsert(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key, columns []string, rows [][]json.RawMessage) error {
	return UpsertRows(ctx, tx, t, key, columns, nullRows(rows))
}

// Delete deletes by neutral keys (DeleteRows).
func (target) Delete(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key []string, keys [][]json.RawMessage) error {
	return DeleteRows(ctx, tx, t, key, nullRows(keys))
}

// nullRows makes the values the applier leaves out (nil) JSON nulls.
func nullRows(rows [][]json.RawMessage) [][]json.RawMessage {
	for _, r := range rows {
		for i, v := range r {
			if len(v) == 0 {
				r[i] = json.RawMessage("null")
			}
		}
	}
	return rows
}

// DeleteMatching deletes the rows whose columns equal match's values, each
// bound as its column's type; every row when match is empty.
func (target) DeleteMatching(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, match map[string]json.RawMessage) error {
	q, args, err := deleteMatching(t, match)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, q, args...)
	return err
}

func deleteMatching(t *fsql.Table, match map[string]json.RawMessage) (string, []any, error) {
	q := "SET XACT_ABORT OFF;\nDELETE FROM " + ident(t.Schema, t.Name)
	var conds []string
	var args []any
	for _, n := range slices.Sorted(maps.Keys(match)) {
		fc, ok := t.Column(n)
		if !ok {
			return "", nil, fmt.Errorf("%s has no column %s", t, n)
		}
		c, err := targetColumn(fc)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", t, err)
		}
		c.Nullable = true
		b, err := c.Bind(match[n])
		if err != nil {
			return "", nil, &ValueError{Table: t.String(), Column: n, Err: err}
		}
		args = append(args, b.Param)
		conds = append(conds, fmt.Sprintf("%s = CAST(@p%d AS %s)", ident(n), len(args), c.castType(b.Wide)))
	}
	if len(conds) > 0 {
		q += "\nWHERE " + strings.Join(conds, " AND ")
	}
	return q + ";", args, nil
}

// Truncate empties the table with TRUNCATE TABLE, which SQL Server runs in
// the transaction and refuses for a table a foreign key refers to (4712):
// Classify counts that a foreign key, which the applier waits out.
func (target) Truncate(ctx context.Context, tx *stdsql.Tx, t *fsql.Table) error {
	_, err := tx.ExecContext(ctx, "TRUNCATE TABLE "+ident(t.Schema, t.Name)+";")
	return err
}

// Immediate does nothing: SQL Server checks every constraint at the end of
// each statement; none can be deferred to the commit.
func (target) Immediate(context.Context, *stdsql.Tx) error { return nil }

// catalogVersion fingerprints what Describe reads of the tables named in
// the JSON array @p1 ("schema.table" each): their columns, keys,
// constraints and triggers, and whether each exists. FOR XML PATH joins
// the facts, as STRING_AGG (2017) would.
const catalogVersion = `SELECT CONVERT(varchar(64), HASHBYTES('SHA2_256', ISNULL((
    SELECT s.f + N'|' FROM (
        SELECT j.[value] + N' ' + ISNULL(CONVERT(nvarchar(20), OBJECT_ID(j.[value], N'U')), N'missing') AS f
        FROM OPENJSON(@p1) AS j
        UNION ALL
        SELECT CONCAT(c.[object_id], N' ', c.[column_id], N' ', c.[name], N' ', c.[user_type_id], N' ', c.[max_length], N' ',
            c.[precision], N' ', c.[scale], N' ', c.[is_nullable], N' ', c.[is_identity], N' ', c.[is_computed], N' ',
            c.[default_object_id], N' ', c.[collation_name])
        FROM sys.columns AS c JOIN OPENJSON(@p1) AS j ON c.[object_id] = OBJECT_ID(j.[value], N'U')
        UNION ALL
        SELECT CONCAT(o.[parent_object_id], N' ', o.[object_id], N' ', o.[name], N' ', o.[type], N' ', CONVERT(nvarchar(30), o.[modify_date], 126))
        FROM sys.objects AS o JOIN OPENJSON(@p1) AS j ON o.[parent_object_id] = OBJECT_ID(j.[value], N'U')
        UNION ALL
        SELECT CONCAT(g.[parent_id], N' ', g.[object_id], N' ', g.[is_disabled])
        FROM sys.triggers AS g JOIN OPENJSON(@p1) AS j ON g.[parent_id] = OBJECT_ID(j.[value], N'U')
        UNION ALL
        SELECT CONCAT(i.[object_id], N' ', i.[index_id], N' ', i.[name], N' ', i.[is_unique], N' ', i.[is_primary_key], N' ', i.[is_disabled])
        FROM sys.indexes AS i JOIN OPENJSON(@p1) AS j ON i.[object_id] = OBJECT_ID(j.[value], N'U')
        UNION ALL
        SELECT CONCAT(f.[referenced_object_id], N' ', f.[object_id], N' ', f.[name], N' ', f.[is_disabled])
        FROM sys.foreign_keys AS f JOIN OPENJSON(@p1) AS j ON f.[referenced_object_id] = OBJECT_ID(j.[value], N'U')
    ) AS s
    ORDER BY s.f
    FOR XML PATH(''), TYPE).value(N'.', N'nvarchar(max)'), N'')), 2);`

func (target) CatalogVersion(ctx context.Context, q fsql.Querier, tables []*fsql.Table) (string, error) {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = ident(t.Schema, t.Name)
	}
	b, _ := json.Marshal(nonNil(names)) // strings always encode
	var v string
	if err := q.QueryRowContext(ctx, catalogVersion, string(b)).Scan(&v); err != nil {
		return "", fmt.Errorf("read the catalog version: %w", err)
	}
	return v, nil
}

// savepointName is what SAVE TRANSACTION takes: an identifier of at most
// 32 characters. Names are Ferry's own constants; anything else is refused
// rather than quoted.
var savepointName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,31}$`)

func savepointSQL(verb, name string) (string, error) {
	if !savepointName.MatchString(name) {
		return "", fmt.Errorf("savepoint name %q is not a plain identifier of at most 32 characters", name)
	}
	return verb + " TRANSACTION " + name, nil
}

func (target) Savepoint(ctx context.Context, tx *stdsql.Tx, name string) error {
	q, err := savepointSQL("SAVE", name)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, q)
	return err
}

// RollbackTo rolls back to a savepoint, unless the transaction is doomed:
// then it returns an error for which Doomed is true, and the applier must
// roll back the whole transaction (a savepoint cannot rescue it).
func (target) RollbackTo(ctx context.Context, tx *stdsql.Tx, name string) error {
	q, err := savepointSQL("ROLLBACK", name)
	if err != nil {
		return err
	}
	var state int
	if err := tx.QueryRowContext(ctx, `SELECT XACT_STATE()`).Scan(&state); err != nil {
		return err
	}
	if state != 1 {
		return fmt.Errorf("roll back to savepoint %s: %w", name, errDoomed)
	}
	_, err = tx.ExecContext(ctx, q)
	return err
}
