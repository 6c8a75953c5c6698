package postgres

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	fsql "github.com/ferry-cdc/ferry/sql"
)

type target struct{}

// Target is PostgreSQL as a target.
func (Dialect) Target() fsql.Target { return target{} }

func (target) Prepare(ctx context.Context, db *stdsql.DB, schema string) error {
	// CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when
	// the schema exists: an applier given only a schema of its own (README,
	// Least privilege) must not run it.
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
		return fmt.Errorf("look for the applier's schema %s: %w", schema, err)
	}
	stmts := []string{
		`CREATE SCHEMA IF NOT EXISTS ` + ident(schema),
		`CREATE TABLE IF NOT EXISTS ` + ident(schema, "apply_offsets") + ` (
			group_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL,
			next_offset bigint NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (group_id, topic, partition))`,
		`COMMENT ON TABLE ` + ident(schema, "apply_offsets") + ` IS 'ferry: next Kafka offset to apply, written with the rows it covers'`,
		`CREATE TABLE IF NOT EXISTS ` + ident(schema, "apply_held") + ` (
			id bigserial PRIMARY KEY, group_id text NOT NULL, key text NOT NULL, kind text NOT NULL,
			topic text NOT NULL, partition integer NOT NULL, kafka_offset bigint NOT NULL,
			reason text NOT NULL, since timestamptz NOT NULL DEFAULT now(),
			message_key bytea, message_value bytea)`,
		`CREATE INDEX IF NOT EXISTS apply_held_key ON ` + ident(schema, "apply_held") + ` (group_id, key, id)`,
		`COMMENT ON TABLE ` + ident(schema, "apply_held") + ` IS 'ferry: changes waiting for a foreign key or a later complete version'`,
		`CREATE TABLE IF NOT EXISTS ` + ident(schema, "apply_blocked") + ` (
			group_id text NOT NULL, key text NOT NULL,
			parked integer NOT NULL, since timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (group_id, key))`,
		`COMMENT ON TABLE ` + ident(schema, "apply_blocked") + ` IS 'ferry: keys with changes in the DLQ; later changes wait behind them'`,
		`CREATE TABLE IF NOT EXISTS ` + ident(schema, "apply_replayed") + ` (
			group_id text NOT NULL, entry text NOT NULL, replayed_at timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (group_id, entry))`,
		`COMMENT ON TABLE ` + ident(schema, "apply_replayed") + ` IS 'ferry: DLQ entries replayed into this target'`,
	}
	if exists {
		stmts = stmts[1:]
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("prepare the applier's tables in schema %s: %w", schema, err)
		}
	}
	return nil
}

func (target) Offsets(ctx context.Context, q fsql.Querier, schema, group, topic string) (map[int32]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT partition, next_offset FROM `+ident(schema, "apply_offsets")+
		` WHERE group_id = $1 AND topic = $2`, group, topic)
	if err != nil {
		return nil, fmt.Errorf("read applied offsets of %s: %w", topic, err)
	}
	defer rows.Close()
	out := map[int32]int64{}
	for rows.Next() {
		var p int32
		var o int64
		if err := rows.Scan(&p, &o); err != nil {
			return nil, err
		}
		out[p] = o
	}
	return out, rows.Err()
}

func (target) AdvanceOffset(ctx context.Context, tx *stdsql.Tx, schema, group, topic string, partition int32, want, next int64) (bool, error) {
	t := ident(schema, "apply_offsets")
	var res stdsql.Result
	var err error
	if want < 0 {
		res, err = tx.ExecContext(ctx, `INSERT INTO `+t+` (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, group, topic, partition, next)
	} else {
		res, err = tx.ExecContext(ctx, `UPDATE `+t+` SET next_offset = $5, applied_at = now()
			WHERE group_id = $1 AND topic = $2 AND partition = $3 AND next_offset = $4`, group, topic, partition, want, next)
	}
	if err != nil {
		return false, fmt.Errorf("record offset %d of %s[%d]: %w", next, topic, partition, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (target) Upsert(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key, columns []string, rows []byte) error {
	cols := make([]string, len(columns))
	sets := make([]string, 0, len(columns))
	for i, c := range columns {
		cols[i] = ident(c)
		if !slices.Contains(key, c) {
			sets = append(sets, ident(c)+" = EXCLUDED."+ident(c))
		}
	}
	keys := make([]string, len(key))
	for i, k := range key {
		keys[i] = ident(k)
	}
	onConflict := "DO NOTHING"
	if len(sets) > 0 {
		onConflict = "DO UPDATE SET " + strings.Join(sets, ", ")
	}
	list := strings.Join(cols, ", ")
	// json_populate_recordset converts each value with the column type's own
	// input function: exact for every type Ferry carries.
	q := fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM pg_catalog.json_populate_recordset(NULL::%s, $1::pg_catalog.json)
ON CONFLICT (%s) %s`, ident(t.Schema, t.Name), list, list, ident(t.Schema, t.Name), strings.Join(keys, ", "), onConflict)
	_, err := tx.ExecContext(ctx, q, string(rows))
	return err
}

func (target) Delete(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key []string, keys []byte) error {
	cols := make([]string, len(key))
	for i, k := range key {
		cols[i] = ident(k)
	}
	list := strings.Join(cols, ", ")
	q := fmt.Sprintf(`DELETE FROM %s WHERE (%s) IN (SELECT %s FROM pg_catalog.json_populate_recordset(NULL::%s, $1::pg_catalog.json))`,
		ident(t.Schema, t.Name), list, list, ident(t.Schema, t.Name))
	_, err := tx.ExecContext(ctx, q, string(keys))
	return err
}

func (target) Blocked(ctx context.Context, tx *stdsql.Tx, schema, group string, keys []string) (map[string]int, error) {
	out := map[string]int{}
	rows, err := tx.QueryContext(ctx, `SELECT key, parked FROM `+ident(schema, "apply_blocked")+
		` WHERE group_id = $1 AND key = ANY($2) FOR UPDATE`, group, keys)
	if err != nil {
		return nil, fmt.Errorf("read blocked keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

func (target) SetBlocked(ctx context.Context, tx *stdsql.Tx, schema, group string, counts map[string]int) error {
	t := ident(schema, "apply_blocked")
	for k, n := range counts {
		var err error
		if n <= 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE group_id = $1 AND key = $2`, group, k)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO `+t+` (group_id, key, parked) VALUES ($1, $2, $3)
				ON CONFLICT (group_id, key) DO UPDATE SET parked = EXCLUDED.parked`, group, k, n)
		}
		if err != nil {
			return fmt.Errorf("record blocked key %s: %w", k, err)
		}
	}
	return nil
}

func (target) HeldKeys(ctx context.Context, tx *stdsql.Tx, schema, group string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	rows, err := tx.QueryContext(ctx, `SELECT key, min(kind) FROM `+ident(schema, "apply_held")+
		` WHERE group_id = $1 AND key = ANY($2) GROUP BY key`, group, keys)
	if err != nil {
		return nil, fmt.Errorf("read held keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, kind string // "row" sorts before "rule": any row wait wins
		if err := rows.Scan(&k, &kind); err != nil {
			return nil, err
		}
		out[k] = kind
	}
	return out, rows.Err()
}

func (target) DropHeld(ctx context.Context, tx *stdsql.Tx, schema, group, key, kind string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM `+ident(schema, "apply_held")+` WHERE group_id = $1 AND key = $2 AND kind = $3`, group, key, kind)
	return err
}

func (target) Hold(ctx context.Context, tx *stdsql.Tx, schema, group string, h fsql.HeldChange) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO `+ident(schema, "apply_held")+
		` (group_id, key, kind, topic, partition, kafka_offset, reason, message_key, message_value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		group, h.Key, h.Kind, h.Topic, h.Partition, h.Offset, h.Reason, h.MessageKey, h.MessageValue)
	if err != nil {
		return fmt.Errorf("hold a change of %s: %w", h.Key, err)
	}
	return nil
}

func (target) Held(ctx context.Context, tx *stdsql.Tx, schema, group string) ([]fsql.HeldChange, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, key, kind, topic, partition, kafka_offset, reason, since, message_key, message_value
		FROM `+ident(schema, "apply_held")+` WHERE group_id = $1 ORDER BY key, id`, group)
	if err != nil {
		return nil, fmt.Errorf("read held changes: %w", err)
	}
	defer rows.Close()
	var out []fsql.HeldChange
	for rows.Next() {
		var h fsql.HeldChange
		if err := rows.Scan(&h.ID, &h.Key, &h.Kind, &h.Topic, &h.Partition, &h.Offset, &h.Reason, &h.Since, &h.MessageKey, &h.MessageValue); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (target) Unhold(ctx context.Context, tx *stdsql.Tx, schema, group string, id int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM `+ident(schema, "apply_held")+` WHERE group_id = $1 AND id = $2`, group, id)
	return err
}

func (target) Replayed(ctx context.Context, tx *stdsql.Tx, schema, group, id string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+ident(schema, "apply_replayed")+` WHERE group_id = $1 AND entry = $2`, group, id).Scan(&n)
	return n > 0, err
}

func (target) MarkReplayed(ctx context.Context, tx *stdsql.Tx, schema, group, id string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO `+ident(schema, "apply_replayed")+` (group_id, entry) VALUES ($1, $2) ON CONFLICT DO NOTHING`, group, id)
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
// foreign-key violations wait; data errors go to the DLQ.
func (target) Classify(err error) fsql.ErrorClass {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "23503":
			return fsql.ForeignKey
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
