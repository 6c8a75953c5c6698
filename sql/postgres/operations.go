package postgres

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Heartbeat writes one heartbeat into the outbox of captureSchema, through
// the function migration 00004 installs. It returns ErrNoHeartbeat (wrapped)
// when the capture schema predates it.
func (Dialect) Heartbeat(ctx context.Context, db *stdsql.DB, captureSchema string, interval time.Duration) error {
	_, err := db.ExecContext(ctx, `SELECT `+ident(captureSchema, "heartbeat")+`($1::integer)`, interval.Milliseconds())
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok && pe.Code == "42883" { // undefined_function
		return fmt.Errorf("%w: %v", fsql.ErrNoHeartbeat, err)
	}
	if err != nil {
		return fmt.Errorf("write a heartbeat into %s.outbox: %w", captureSchema, err)
	}
	return nil
}

// leaseKey is the advisory lock a relay of source holds while it leads.
func leaseKey(captureSchema, source string) string {
	return "ferry.relay." + captureSchema + "." + source
}

// leaseName is the application_name the leading relay's lease session
// takes, so that pg_stat_activity, and `ferry status`, say who leads.
func leaseName(source string) string {
	host, _ := os.Hostname()
	name := "ferry relay " + source + " " + host + " pid " + strconv.Itoa(os.Getpid())
	if len(name) > 63 { // NAMEDATALEN - 1
		name = name[:63]
	}
	return name
}

// LeaseHolder reads who holds the lease of a relay of source, from
// pg_locks and pg_stat_activity; nil when nobody does. A bigint advisory
// lock shows in pg_locks as its high and low halves in classid and objid.
func (Dialect) LeaseHolder(ctx context.Context, q fsql.Querier, captureSchema, source string) (*fsql.LeaseHolder, error) {
	var h fsql.LeaseHolder
	var since stdsql.NullTime
	err := q.QueryRowContext(ctx, `WITH k AS (SELECT pg_catalog.hashtextextended($1, 0) AS k)
SELECT l.pid, coalesce(a.application_name, ''), coalesce(pg_catalog.host(a.client_addr), ''),
       coalesce(a.usename::text, ''), a.backend_start
FROM k, pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
  AND l.classid::pg_catalog.int8 = (k.k >> 32) & 4294967295
  AND l.objid::pg_catalog.int8 = k.k & 4294967295
LIMIT 1`, leaseKey(captureSchema, source)).Scan(&h.PID, &h.Application, &h.Client, &h.User, &since)
	if errors.Is(err, stdsql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read who holds the relay lease of %s: %w", source, err)
	}
	h.Since = since.Time
	return &h, nil
}

// PrepareOperations creates the tables of heartbeats, partition progress
// and route states in the applier's schema, which Prepare has created (or
// `ferry route` finds there, creating it where it may).
func (Dialect) PrepareOperations(ctx context.Context, db *stdsql.DB, schema string) error {
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
		return fmt.Errorf("look for the applier's schema %s: %w", schema, err)
	}
	stmts := []string{
		`CREATE SCHEMA IF NOT EXISTS ` + ident(schema),
		`CREATE TABLE IF NOT EXISTS ` + ident(schema, "apply_progress") + ` (
			group_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL,
			change_applied_at timestamptz, change_committed_at timestamptz,
			heartbeat_source text, heartbeat_seq bigint, heartbeat_committed_at timestamptz,
			heartbeat_interval_ms integer, heartbeat_applied_at timestamptz,
			PRIMARY KEY (group_id, topic, partition))`,
		`COMMENT ON TABLE ` + ident(schema, "apply_progress") + ` IS 'ferry: per partition, the last change and heartbeat applied, written with the offsets'`,
		`CREATE TABLE IF NOT EXISTS ` + ident(schema, "route_state") + ` (
			group_id text NOT NULL, route text NOT NULL, paused boolean NOT NULL,
			since timestamptz NOT NULL DEFAULT now(), changed_by text NOT NULL, reason text NOT NULL DEFAULT '',
			PRIMARY KEY (group_id, route))`,
		`COMMENT ON TABLE ` + ident(schema, "route_state") + ` IS 'ferry: routes paused by ferry route pause'`,
	}
	if exists {
		stmts = stmts[1:]
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("prepare the applier's operations tables in schema %s: %w", schema, err)
		}
	}
	return nil
}

// progressRow is one partition's progress as RecordProgress sends it.
type progressRow struct {
	Topic           string     `json:"topic"`
	Partition       int32      `json:"partition"`
	ChangeApplied   *time.Time `json:"change_applied_at"`
	ChangeCommitted *time.Time `json:"change_committed_at"`
	Source          *string    `json:"heartbeat_source"`
	Seq             *int64     `json:"heartbeat_seq"`
	Committed       *time.Time `json:"heartbeat_committed_at"`
	IntervalMs      *int64     `json:"heartbeat_interval_ms"`
	HeartbeatAt     *time.Time `json:"heartbeat_applied_at"`
}

// RecordProgress records, in tx, what a batch did on each partition, in
// one statement: what it leaves unsaid keeps its stored value.
func (Dialect) RecordProgress(ctx context.Context, tx *stdsql.Tx, schema, group string, ps []fsql.Progress) error {
	if len(ps) == 0 {
		return nil
	}
	rows := make([]progressRow, len(ps))
	for i, p := range ps {
		r := progressRow{Topic: p.Topic, Partition: p.Partition}
		if p.Changed {
			r.ChangeApplied = &ps[i].Applied
			if !p.ChangeCommitted.IsZero() {
				r.ChangeCommitted = &ps[i].ChangeCommitted
			}
		}
		if h := p.Heartbeat; h != nil {
			ms := h.Interval.Milliseconds()
			r.Source, r.Seq, r.Committed, r.IntervalMs, r.HeartbeatAt = &h.Source, &h.Seq, &h.Committed, &ms, &ps[i].Applied
		}
		rows[i] = r
	}
	doc, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO `+ident(schema, "apply_progress")+` AS p
  (group_id, topic, partition, change_applied_at, change_committed_at,
   heartbeat_source, heartbeat_seq, heartbeat_committed_at, heartbeat_interval_ms, heartbeat_applied_at)
SELECT $1, u.* FROM pg_catalog.json_to_recordset($2::pg_catalog.json) AS u(topic text, partition integer,
  change_applied_at timestamptz, change_committed_at timestamptz, heartbeat_source text, heartbeat_seq bigint,
  heartbeat_committed_at timestamptz, heartbeat_interval_ms integer, heartbeat_applied_at timestamptz)
ON CONFLICT (group_id, topic, partition) DO UPDATE SET
  change_applied_at = coalesce(EXCLUDED.change_applied_at, p.change_applied_at),
  change_committed_at = CASE WHEN EXCLUDED.change_applied_at IS NULL THEN p.change_committed_at ELSE EXCLUDED.change_committed_at END,
  heartbeat_source = coalesce(EXCLUDED.heartbeat_source, p.heartbeat_source),
  heartbeat_seq = coalesce(EXCLUDED.heartbeat_seq, p.heartbeat_seq),
  heartbeat_committed_at = coalesce(EXCLUDED.heartbeat_committed_at, p.heartbeat_committed_at),
  heartbeat_interval_ms = coalesce(EXCLUDED.heartbeat_interval_ms, p.heartbeat_interval_ms),
  heartbeat_applied_at = coalesce(EXCLUDED.heartbeat_applied_at, p.heartbeat_applied_at)`, group, string(doc))
	if err != nil {
		return fmt.Errorf("record the progress of %d partitions: %w", len(ps), err)
	}
	return nil
}

// Progress reads what the target knows of every partition of topics for
// group: its stored offset and its progress. A schema without the tables
// yet yields what there is.
func (Dialect) Progress(ctx context.Context, q fsql.Querier, schema, group string, topics []string) ([]fsql.PartitionProgress, error) {
	rows, err := q.QueryContext(ctx, `SELECT coalesce(o.topic, p.topic), coalesce(o.partition, p.partition), coalesce(o.next_offset, -1),
  p.change_applied_at, p.change_committed_at, p.heartbeat_source, p.heartbeat_seq, p.heartbeat_committed_at,
  p.heartbeat_interval_ms, p.heartbeat_applied_at
FROM (SELECT * FROM `+ident(schema, "apply_offsets")+` WHERE group_id = $1 AND topic = ANY($2)) o
FULL JOIN (SELECT * FROM `+ident(schema, "apply_progress")+` WHERE group_id = $1 AND topic = ANY($2)) p
  ON p.topic = o.topic AND p.partition = o.partition
ORDER BY 1, 2`, group, topics)
	if err != nil {
		return nil, fmt.Errorf("read the applied progress of group %s: %w", group, err)
	}
	defer rows.Close()
	var out []fsql.PartitionProgress
	for rows.Next() {
		var p fsql.PartitionProgress
		var changeAt, changeCommitted, hbCommitted, hbAt stdsql.NullTime
		var source stdsql.NullString
		var seq, interval stdsql.NullInt64
		if err := rows.Scan(&p.Topic, &p.Partition, &p.Next, &changeAt, &changeCommitted, &source, &seq, &hbCommitted, &interval, &hbAt); err != nil {
			return nil, err
		}
		p.ChangeApplied, p.ChangeCommitted = changeAt.Time, changeCommitted.Time
		if seq.Valid {
			p.Heartbeat = &fsql.Heartbeat{Source: source.String, Seq: seq.Int64, Committed: hbCommitted.Time,
				Interval: time.Duration(interval.Int64) * time.Millisecond}
			p.HeartbeatApplied = hbAt.Time
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Waiting counts, per topic, the changes of group held in the target, and
// per route, the keys blocked behind the DLQ and the changes they have there.
func (Dialect) Waiting(ctx context.Context, q fsql.Querier, schema, group string, routes []string) (held map[string]int, blockedKeys, parked map[string]int, err error) {
	held, blockedKeys, parked = map[string]int{}, map[string]int{}, map[string]int{}
	rows, err := q.QueryContext(ctx, `SELECT topic, count(*) FROM `+ident(schema, "apply_held")+` WHERE group_id = $1 GROUP BY topic`, group)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("count the held changes of group %s: %w", group, err)
	}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		held[t] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT r, count(b.key), coalesce(sum(b.parked), 0)
FROM pg_catalog.unnest($2::text[]) r JOIN `+ident(schema, "apply_blocked")+` b
  ON b.group_id = $1 AND b.parked > 0 AND pg_catalog.starts_with(b.key, r || '|')
GROUP BY r`, group, routes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("count the blocked keys of group %s: %w", group, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		var keys, n int
		if err := rows.Scan(&r, &keys, &n); err != nil {
			return nil, nil, nil, err
		}
		blockedKeys[r], parked[r] = keys, n
	}
	return held, blockedKeys, parked, rows.Err()
}

// RouteStates reads the paused routes of group, and those resumed, with
// who last changed them.
func (Dialect) RouteStates(ctx context.Context, q fsql.Querier, schema, group string) ([]fsql.RouteState, error) {
	rows, err := q.QueryContext(ctx, `SELECT route, paused, since, changed_by, reason FROM `+ident(schema, "route_state")+
		` WHERE group_id = $1 ORDER BY route`, group)
	if err != nil {
		return nil, fmt.Errorf("read the route states of group %s: %w", group, err)
	}
	defer rows.Close()
	var out []fsql.RouteState
	for rows.Next() {
		var s fsql.RouteState
		if err := rows.Scan(&s.Route, &s.Paused, &s.Since, &s.By, &s.Reason); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SetRouteState pauses or resumes a route of group.
func (Dialect) SetRouteState(ctx context.Context, db *stdsql.DB, schema, group string, s fsql.RouteState) error {
	_, err := db.ExecContext(ctx, `INSERT INTO `+ident(schema, "route_state")+` (group_id, route, paused, since, changed_by, reason)
VALUES ($1, $2, $3, now(), $4, $5)
ON CONFLICT (group_id, route) DO UPDATE SET paused = EXCLUDED.paused, since = now(), changed_by = EXCLUDED.changed_by, reason = EXCLUDED.reason`,
		group, s.Route, s.Paused, s.By, s.Reason)
	if err != nil {
		return fmt.Errorf("record route %s as paused=%t: %w", s.Route, s.Paused, err)
	}
	return nil
}
