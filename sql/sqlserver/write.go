package sqlserver

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// One statement for a route's deletes and upserts (sql.Writer): a MERGE
// whose source is the upserted rows marked 'u' and the deleted keys marked
// 'd', UNION ALL, so that SQL Server checks the foreign keys and unique
// indexes once for the statement, with every row in place (a unique value
// a deleted row held is free for a new row; a row that referred to a
// deleted one may move away in the same statement). Neither half alone
// could: deleting first breaks the reference, upserting first the unique
// value. That SQL Server checks a MERGE's constraints for the statement as
// a whole, as it does an UPDATE's, is what the dialect suite's Writer test
// asserts; it has not run against a real server.
//
// The rows and keys reach the statement as the other writes' do: one table
// value constructor each when both fit in one statement's parameters, or
// else two stage tables filled by bulk copy. Where neither can carry them
// in one statement (json columns, which bulk copy cannot send, beyond the
// parameters), and where a key is both deleted and upserted (one MERGE
// cannot touch a row twice), the deletes and the upserts are two
// statements, as on a target without a Writer.

// keyStage is the stage table of the deleted keys.
const keyStage = "#ferry_stage_keys"

// opColumn names the source's column that marks each row 'u' or 'd'.
const opColumn = "ferry:op"

// Write deletes the keys of deletes and upserts rows in one MERGE.
func (target) Write(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key, columns []string, deletes, rows [][]json.RawMessage) error {
	return WriteRows(ctx, tx, t, key, columns, nullRows(deletes), nullRows(rows))
}

// WriteRows deletes the rows whose keys (neutral forms, one value per key
// column) are in deletes, then upserts rows (neutral forms, one value per
// column of columns), in one statement where it can.
func WriteRows(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key, columns []string, deletes, rows [][]json.RawMessage) error {
	if len(deletes) == 0 {
		return UpsertRows(ctx, tx, t, key, columns, rows)
	}
	if len(rows) == 0 {
		return DeleteRows(ctx, tx, t, key, deletes)
	}
	up, del, ub, db, err := bindWrite(t, key, columns, deletes, rows)
	if err != nil {
		return err
	}
	q, args, stage := up.writeStatement(del, ub, db)
	if q == "" || overlaps(up, del, ub, db) {
		if err := del.run(ctx, tx, db, del.deleteFrom); err != nil {
			return err
		}
		return up.run(ctx, tx, ub, up.merge)
	}
	if stage {
		if err := up.stage(ctx, tx, ub); err != nil {
			return err
		}
		if err := del.stage(ctx, tx, db); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, q, args...)
	return err
}

// bindWrite binds the upserted rows and the deleted keys.
func bindWrite(t *fsql.Table, key, columns []string, deletes, rows [][]json.RawMessage) (up, del *write, ub, db [][]bound, err error) {
	if up, err = newWrite(t, key, columns, false); err != nil {
		return
	}
	if rows, err = up.project(columns, rows); err != nil {
		return
	}
	if ub, err = up.bindRows(rows); err != nil {
		return
	}
	if del, err = newWrite(t, key, nil, true); err != nil {
		return
	}
	del.stageName = keyStage
	db, err = del.bindRows(deletes)
	return
}

// overlaps reports whether a key is both deleted and upserted.
func overlaps(up, del *write, ub, db [][]bound) bool {
	keys := make(map[string]bool, len(db))
	for _, r := range db {
		keys[boundKey(del, r)] = true
	}
	for _, r := range ub {
		if keys[boundKey(up, r)] {
			return true
		}
	}
	return false
}

// boundKey is a bound row's key values, comparable between the writes of
// one table: a key column binds a value the same way in both.
func boundKey(w *write, r []bound) string {
	var b strings.Builder
	for _, i := range w.key {
		fmt.Fprintf(&b, "%T %#v\x00", r[i].Param, r[i].Param)
	}
	return b.String()
}

// writeStatement is the one statement that writes rows ub and deletes
// keys db, with its parameters, and whether it reads them from the stage
// tables (which the caller fills first); "" when no one statement can
// carry them.
func (w *write) writeStatement(del *write, ub, db [][]bound) (q string, args []any, stage bool) {
	params := len(ub)*len(w.cols) + len(db)*len(del.cols)
	if params <= maxParams && len(ub) <= maxRows && len(db) <= maxRows {
		rows, rargs := w.constructor(ub)
		keys, kargs := del.constructorAfter(db, len(rargs))
		return w.writeMerge(rows, keys), append(rargs, kargs...), false
	}
	if w.noBulk {
		return "", nil, false
	}
	q = stageCheckOf(stageTable, 1) + stageCheckOf(keyStage, 2) +
		w.writeMerge(ident(stageTable)+" AS s", ident(keyStage)+" AS s") +
		stageDropOf(stageTable) + stageDropOf(keyStage)
	return q, []any{int64(len(ub)), int64(len(db))}, true
}

// writeMerge is the MERGE whose source is rows marked 'u' and keys (the
// key columns only) marked 'd', the keys' other columns NULL.
func (w *write) writeMerge(rows, keys string) string {
	sel := make([]string, len(w.cols))
	nulls := make([]string, len(w.cols))
	for i, c := range w.cols {
		sel[i] = "s." + ident(c.Name)
		nulls[i] = "NULL"
		if slices.Contains(w.key, i) {
			nulls[i] = sel[i]
		}
	}
	source := fmt.Sprintf("(\n    SELECT N'u', %s FROM %s\n    UNION ALL\n    SELECT N'd', %s FROM %s\n) AS s (%s, %s)",
		strings.Join(sel, ", "), rows, strings.Join(nulls, ", "), keys, ident(opColumn), strings.Join(w.quotedColumns(""), ", "))
	return w.mergeFrom(source, opColumn)
}
