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
		`CREATE TABLE IF NOT EXISTS ` + ident(schema, "apply_barrier") + ` (
			group_id text NOT NULL, topic text NOT NULL, seq bigint NOT NULL,
			partitions integer NOT NULL, done boolean NOT NULL DEFAULT false,
			since timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (group_id, topic, seq))`,
		`COMMENT ON TABLE ` + ident(schema, "apply_barrier") + ` IS 'ferry: changes sent to every partition of a topic (truncates), applied once all partitions reach them'`,
		`CREATE TABLE IF NOT EXISTS ` + ident(schema, "apply_barrier_arrival") + ` (
			group_id text NOT NULL, topic text NOT NULL, seq bigint NOT NULL,
			partition integer NOT NULL, kafka_offset bigint NOT NULL,
			PRIMARY KEY (group_id, topic, seq, partition))`,
		`COMMENT ON TABLE ` + ident(schema, "apply_barrier_arrival") + ` IS 'ferry: partitions that have reached a barrier and wait at it'`,
		`CREATE TABLE IF NOT EXISTS ` + ident(schema, "apply_truncated") + ` (
			group_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL,
			kafka_offset bigint NOT NULL, truncated_at timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (group_id, topic, partition))`,
		`COMMENT ON TABLE ` + ident(schema, "apply_truncated") + ` IS 'ferry: the last truncate applied per partition; DLQ entries before it are superseded'`,
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
	o, err := partitionOffsets(ctx, q, `SELECT partition, next_offset FROM `+ident(schema, "apply_offsets")+
		` WHERE group_id = $1 AND topic = $2`, group, topic)
	if err != nil {
		return nil, fmt.Errorf("read applied offsets of %s: %w", topic, err)
	}
	return o, nil
}

// partitionOffsets reads rows of (partition, offset).
func partitionOffsets(ctx context.Context, q fsql.Querier, query string, args ...any) (map[int32]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
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

func (target) Upsert(ctx context.Context, tx *stdsql.Tx, t *fsql.Table, key, columns []string, rows [][]json.RawMessage) error {
	body, err := rowsJSON(t, key, columns, rows)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, upsertSQL(t, key, columns), string(body))
	return err
}

// upsertSQL inserts or updates by key. json_populate_recordset converts
// each value with the column type's own input function: exact for every
// type Ferry carries. An always-identity column is written with OVERRIDING
// SYSTEM VALUE when a row is inserted and left as it is when one is updated
// (PostgreSQL lets no UPDATE set it). ON CONFLICT cannot use a deferrable
// key, so for one the rows that exist are updated and the others inserted.
func upsertSQL(t *fsql.Table, key, columns []string) string {
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
	source := fmt.Sprintf(`SELECT %s FROM pg_catalog.json_populate_recordset(NULL::%s, $1::pg_catalog.json)`, list, table)
	if !t.KeyDeferrable {
		onConflict := "DO NOTHING"
		if len(sets) > 0 {
			assign := make([]string, len(sets))
			for i, c := range sets {
				assign[i] = ident(c) + " = EXCLUDED." + ident(c)
			}
			onConflict = "DO UPDATE SET " + strings.Join(assign, ", ")
		}
		return fmt.Sprintf("INSERT INTO %s (%s)%s %s\nON CONFLICT (%s) %s", table, list, overriding, source, strings.Join(keys, ", "), onConflict)
	}
	match := func(a, b string) string {
		m := make([]string, len(key))
		for i, k := range key {
			m[i] = a + "." + ident(k) + " = " + b + "." + ident(k)
		}
		return strings.Join(m, " AND ")
	}
	existing := fmt.Sprintf("SELECT %s FROM %s ferry_t, ferry_v WHERE %s", prefixed("ferry_t", keys), table, match("ferry_t", "ferry_v"))
	if len(sets) > 0 {
		assign := make([]string, len(sets))
		for i, c := range sets {
			assign[i] = ident(c) + " = ferry_v." + ident(c)
		}
		existing = fmt.Sprintf("UPDATE %s ferry_t SET %s FROM ferry_v WHERE %s RETURNING %s", table, strings.Join(assign, ", "), match("ferry_t", "ferry_v"), prefixed("ferry_t", keys))
	}
	return fmt.Sprintf("WITH ferry_v AS (%s),\nferry_u AS (%s)\nINSERT INTO %s (%s)%s SELECT %s FROM ferry_v WHERE NOT EXISTS (SELECT FROM ferry_u WHERE %s)",
		source, existing, table, list, overriding, list, match("ferry_u", "ferry_v"))
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
	cols := make([]string, len(key))
	for i, k := range key {
		cols[i] = ident(k)
	}
	list := strings.Join(cols, ", ")
	q := fmt.Sprintf(`DELETE FROM %s WHERE (%s) IN (SELECT %s FROM pg_catalog.json_populate_recordset(NULL::%s, $1::pg_catalog.json))`,
		ident(t.Schema, t.Name), list, list, ident(t.Schema, t.Name))
	_, err = tx.ExecContext(ctx, q, string(body))
	return err
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
	list := strings.Join(cols, ", ")
	b, err := rowsJSON(t, nil, names, [][]json.RawMessage{row})
	if err != nil {
		return err
	}
	b = b[1 : len(b)-1] // the one object
	q := fmt.Sprintf(`DELETE FROM %s WHERE (%s) = (SELECT %s FROM pg_catalog.json_populate_record(NULL::%s, $1::pg_catalog.json))`,
		table, list, list, table)
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

func (target) Arrive(ctx context.Context, tx *stdsql.Tx, schema, group string, a fsql.Arrival) (fsql.BarrierState, error) {
	fail := func(err error) (fsql.BarrierState, error) {
		return fsql.BarrierState{}, fmt.Errorf("record partition %d at barrier %d of %s: %w", a.Partition, a.Seq, a.Topic, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+ident(schema, "apply_barrier")+` (group_id, topic, seq, partitions)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, group, a.Topic, a.Seq, a.Partitions); err != nil {
		return fail(err)
	}
	// The lock orders appliers arriving at once: the second reads after the
	// first commits, so one of them sees every arrival.
	var st fsql.BarrierState
	if err := tx.QueryRowContext(ctx, `SELECT partitions, done, since FROM `+ident(schema, "apply_barrier")+`
		WHERE group_id = $1 AND topic = $2 AND seq = $3 FOR UPDATE`, group, a.Topic, a.Seq).Scan(&st.Partitions, &st.Done, &st.Since); err != nil {
		return fail(err)
	}
	if !st.Done {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+ident(schema, "apply_barrier_arrival")+` (group_id, topic, seq, partition, kafka_offset)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, group, a.Topic, a.Seq, a.Partition, a.Offset); err != nil {
			return fail(err)
		}
	}
	arrived, err := arrivals(ctx, tx, schema, group, a.Topic, []int64{a.Seq})
	if err != nil {
		return fail(err)
	}
	st.Arrived = arrived[a.Seq]
	return st, nil
}

func arrivals(ctx context.Context, q fsql.Querier, schema, group, topic string, seqs []int64) (map[int64]map[int32]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, partition, kafka_offset FROM `+ident(schema, "apply_barrier_arrival")+`
		WHERE group_id = $1 AND topic = $2 AND seq = ANY($3)`, group, topic, seqs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]map[int32]int64{}
	for rows.Next() {
		var seq, off int64
		var p int32
		if err := rows.Scan(&seq, &p, &off); err != nil {
			return nil, err
		}
		if out[seq] == nil {
			out[seq] = map[int32]int64{}
		}
		out[seq][p] = off
	}
	return out, rows.Err()
}

func (target) FinishBarrier(ctx context.Context, tx *stdsql.Tx, schema, group, topic string, seq int64, applied bool) error {
	if _, err := tx.ExecContext(ctx, `UPDATE `+ident(schema, "apply_barrier")+` SET done = true
		WHERE group_id = $1 AND topic = $2 AND seq = $3`, group, topic, seq); err != nil {
		return fmt.Errorf("finish barrier %d of %s: %w", seq, topic, err)
	}
	if !applied {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+ident(schema, "apply_truncated")+` (group_id, topic, partition, kafka_offset)
		SELECT group_id, topic, partition, kafka_offset FROM `+ident(schema, "apply_barrier_arrival")+`
		WHERE group_id = $1 AND topic = $2 AND seq = $3
		ON CONFLICT (group_id, topic, partition) DO UPDATE
		SET kafka_offset = GREATEST(apply_truncated.kafka_offset, EXCLUDED.kafka_offset), truncated_at = now()`, group, topic, seq); err != nil {
		return fmt.Errorf("record the truncate at barrier %d of %s: %w", seq, topic, err)
	}
	return nil
}

func (target) LeaveBarrier(ctx context.Context, tx *stdsql.Tx, schema, group, topic string, seq int64, partition int32) error {
	// Locked, as in Arrive: of two partitions leaving at once, the second
	// sees the first gone and forgets the barrier.
	if _, err := tx.ExecContext(ctx, `SELECT FROM `+ident(schema, "apply_barrier")+`
		WHERE group_id = $1 AND topic = $2 AND seq = $3 FOR UPDATE`, group, topic, seq); err != nil {
		return fmt.Errorf("leave barrier %d of %s: %w", seq, topic, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+ident(schema, "apply_barrier_arrival")+`
		WHERE group_id = $1 AND topic = $2 AND seq = $3 AND partition = $4`, group, topic, seq, partition); err != nil {
		return fmt.Errorf("leave barrier %d of %s: %w", seq, topic, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+ident(schema, "apply_barrier")+` b
		WHERE group_id = $1 AND topic = $2 AND seq = $3 AND done AND NOT EXISTS (
			SELECT FROM `+ident(schema, "apply_barrier_arrival")+` a
			WHERE a.group_id = b.group_id AND a.topic = b.topic AND a.seq = b.seq)`, group, topic, seq); err != nil {
		return fmt.Errorf("forget barrier %d of %s: %w", seq, topic, err)
	}
	return nil
}

func (target) Barriers(ctx context.Context, q fsql.Querier, schema, group, topic string, seqs []int64) (map[int64]fsql.BarrierState, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, partitions, done, since FROM `+ident(schema, "apply_barrier")+`
		WHERE group_id = $1 AND topic = $2 AND seq = ANY($3)`, group, topic, seqs)
	if err != nil {
		return nil, fmt.Errorf("read barriers of %s: %w", topic, err)
	}
	out := map[int64]fsql.BarrierState{}
	for rows.Next() {
		var seq int64
		var st fsql.BarrierState
		if err := rows.Scan(&seq, &st.Partitions, &st.Done, &st.Since); err != nil {
			rows.Close()
			return nil, err
		}
		out[seq] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	arrived, err := arrivals(ctx, q, schema, group, topic, seqs)
	if err != nil {
		return nil, fmt.Errorf("read barriers of %s: %w", topic, err)
	}
	for seq, st := range out {
		st.Arrived = arrived[seq]
		out[seq] = st
	}
	return out, nil
}

func (target) Truncated(ctx context.Context, q fsql.Querier, schema, group, topic string) (map[int32]int64, error) {
	o, err := partitionOffsets(ctx, q, `SELECT partition, kafka_offset FROM `+ident(schema, "apply_truncated")+
		` WHERE group_id = $1 AND topic = $2`, group, topic)
	if err != nil {
		return nil, fmt.Errorf("read the truncates of %s: %w", topic, err)
	}
	return o, nil
}

func (target) ForgetKeys(ctx context.Context, tx *stdsql.Tx, schema, group, prefix string) error {
	for _, t := range []string{"apply_held", "apply_blocked"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+ident(schema, t)+` WHERE group_id = $1 AND pg_catalog.starts_with(key, $2)`, group, prefix); err != nil {
			return fmt.Errorf("forget the keys of %s in %s: %w", prefix, t, err)
		}
	}
	return nil
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
func (target) Classify(err error) fsql.ErrorClass {
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
