package postgres

import fsql "github.com/ferry-cdc/ferry/sql"

// Bookkeeping is the applier's tables in schema and its statements on
// them; applier/bookkeeping runs them. Lists arrive as JSON arrays, read
// with json_array_elements_text.
func (target) Bookkeeping(schema string) fsql.Bookkeeping {
	offsets, held, blocked := ident(schema, "apply_offsets"), ident(schema, "apply_held"), ident(schema, "apply_blocked")
	replayed, barrier := ident(schema, "apply_replayed"), ident(schema, "apply_barrier")
	arrival, truncated := ident(schema, "apply_barrier_arrival"), ident(schema, "apply_truncated")
	progress, states := ident(schema, "apply_progress"), ident(schema, "route_state")
	const keys = `(SELECT pg_catalog.json_array_elements_text($2::pg_catalog.json))`
	const seqs = `(SELECT pg_catalog.json_array_elements_text($3::pg_catalog.json)::bigint)`
	return fsql.Bookkeeping{
		SchemaExists: `SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)`,
		CreateSchema: `CREATE SCHEMA IF NOT EXISTS ` + ident(schema),
		Create: []string{
			`CREATE TABLE IF NOT EXISTS ` + offsets + ` (
			group_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL,
			next_offset bigint NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (group_id, topic, partition))`,
			`COMMENT ON TABLE ` + offsets + ` IS 'ferry: next Kafka offset to apply, written with the rows it covers'`,
			`CREATE TABLE IF NOT EXISTS ` + held + ` (
			id bigserial PRIMARY KEY, group_id text NOT NULL, key text NOT NULL, kind text NOT NULL,
			topic text NOT NULL, partition integer NOT NULL, kafka_offset bigint NOT NULL,
			reason text NOT NULL, since timestamptz NOT NULL DEFAULT now(),
			message_key bytea, message_value bytea)`,
			`CREATE INDEX IF NOT EXISTS apply_held_key ON ` + held + ` (group_id, key, id)`,
			`COMMENT ON TABLE ` + held + ` IS 'ferry: changes waiting for a foreign key or a later complete version'`,
			`CREATE TABLE IF NOT EXISTS ` + blocked + ` (
			group_id text NOT NULL, key text NOT NULL,
			parked integer NOT NULL, since timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (group_id, key))`,
			`COMMENT ON TABLE ` + blocked + ` IS 'ferry: keys with changes in the DLQ; later changes wait behind them'`,
			`CREATE TABLE IF NOT EXISTS ` + replayed + ` (
			group_id text NOT NULL, entry text NOT NULL, replayed_at timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (group_id, entry))`,
			`COMMENT ON TABLE ` + replayed + ` IS 'ferry: DLQ entries replayed into this target'`,
			`CREATE TABLE IF NOT EXISTS ` + barrier + ` (
			group_id text NOT NULL, topic text NOT NULL, seq bigint NOT NULL,
			partitions integer NOT NULL, done boolean NOT NULL DEFAULT false,
			since timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (group_id, topic, seq))`,
			`COMMENT ON TABLE ` + barrier + ` IS 'ferry: changes sent to every partition of a topic (truncates), applied once all partitions reach them'`,
			`CREATE TABLE IF NOT EXISTS ` + arrival + ` (
			group_id text NOT NULL, topic text NOT NULL, seq bigint NOT NULL,
			partition integer NOT NULL, kafka_offset bigint NOT NULL,
			PRIMARY KEY (group_id, topic, seq, partition))`,
			`COMMENT ON TABLE ` + arrival + ` IS 'ferry: partitions that have reached a barrier and wait at it'`,
			`CREATE TABLE IF NOT EXISTS ` + truncated + ` (
			group_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL,
			kafka_offset bigint NOT NULL, truncated_at timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (group_id, topic, partition))`,
			`COMMENT ON TABLE ` + truncated + ` IS 'ferry: the last truncate applied per partition; DLQ entries before it are superseded'`,
			`CREATE TABLE IF NOT EXISTS ` + progress + ` (
			group_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL,
			change_applied_at timestamptz, change_committed_at timestamptz,
			heartbeat_source text, heartbeat_seq bigint, heartbeat_committed_at timestamptz,
			heartbeat_interval_ms integer, heartbeat_applied_at timestamptz,
			PRIMARY KEY (group_id, topic, partition))`,
			`COMMENT ON TABLE ` + progress + ` IS 'ferry: per partition, the last change and heartbeat applied, written with the offsets'`,
			`CREATE TABLE IF NOT EXISTS ` + states + ` (
			group_id text NOT NULL, route text NOT NULL, paused boolean NOT NULL,
			since timestamptz NOT NULL DEFAULT now(), changed_by text NOT NULL, reason text NOT NULL DEFAULT '',
			PRIMARY KEY (group_id, route))`,
			`COMMENT ON TABLE ` + states + ` IS 'ferry: routes paused by ferry route pause'`,
		},

		SelectOffsets: `SELECT partition, next_offset FROM ` + offsets + ` WHERE group_id = $1 AND topic = $2`,
		InsertOffset: `INSERT INTO ` + offsets + ` (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING`,
		AdvanceOffset: `UPDATE ` + offsets + ` SET next_offset = $5, applied_at = now()
WHERE group_id = $1 AND topic = $2 AND partition = $3 AND next_offset = $4`,
		AdvanceOffsets: `UPDATE ` + offsets + ` AS o SET next_offset = m.next, applied_at = now()
FROM pg_catalog.json_to_recordset($2::pg_catalog.json) AS m(topic text, partition integer, want bigint, next bigint)
WHERE o.group_id = $1 AND o.topic = m.topic AND o.partition = m.partition AND o.next_offset = m.want`,

		AnyBlocked: `SELECT EXISTS (SELECT FROM ` + blocked + ` WHERE group_id = $1)`,

		SelectBlocked: `SELECT key, parked FROM ` + blocked + ` WHERE group_id = $1 AND key IN ` + keys + ` FOR UPDATE`,
		UpsertBlocked: `INSERT INTO ` + blocked + ` (group_id, key, parked) VALUES ($1, $2, $3)
ON CONFLICT (group_id, key) DO UPDATE SET parked = EXCLUDED.parked`,
		DeleteBlocked: `DELETE FROM ` + blocked + ` WHERE group_id = $1 AND key = $2`,
		ForgetBlocked: `DELETE FROM ` + blocked + ` WHERE group_id = $1 AND pg_catalog.starts_with(key, $2)`,

		SelectHeldKeys: `SELECT key, min(kind) FROM ` + held + ` WHERE group_id = $1 AND key IN ` + keys + ` GROUP BY key`,
		Hold: `INSERT INTO ` + held + ` (group_id, key, kind, topic, partition, kafka_offset, reason, message_key, message_value)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		SelectHeld: `SELECT id, key, kind, topic, partition, kafka_offset, reason, since, message_key, message_value
FROM ` + held + ` WHERE group_id = $1 ORDER BY key, id`,
		DropHeld:   `DELETE FROM ` + held + ` WHERE group_id = $1 AND key = $2 AND kind = $3`,
		Unhold:     `DELETE FROM ` + held + ` WHERE group_id = $1 AND id = $2`,
		ForgetHeld: `DELETE FROM ` + held + ` WHERE group_id = $1 AND pg_catalog.starts_with(key, $2)`,

		Replayed:     `SELECT count(*) FROM ` + replayed + ` WHERE group_id = $1 AND entry = $2`,
		MarkReplayed: `INSERT INTO ` + replayed + ` (group_id, entry) VALUES ($1, $2) ON CONFLICT DO NOTHING`,

		InsertBarrier: `INSERT INTO ` + barrier + ` (group_id, topic, seq, partitions) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		LockBarrier: `SELECT partitions, done, since FROM ` + barrier + `
WHERE group_id = $1 AND topic = $2 AND seq = $3 FOR UPDATE`,
		InsertArrival: `INSERT INTO ` + arrival + ` (group_id, topic, seq, partition, kafka_offset) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING`,
		SelectArrivals: `SELECT seq, partition, kafka_offset FROM ` + arrival + ` WHERE group_id = $1 AND topic = $2 AND seq IN ` + seqs,
		SelectBarriers: `SELECT seq, partitions, done, since FROM ` + barrier + ` WHERE group_id = $1 AND topic = $2 AND seq IN ` + seqs,
		FinishBarrier:  `UPDATE ` + barrier + ` SET done = true WHERE group_id = $1 AND topic = $2 AND seq = $3`,
		RecordTruncated: `INSERT INTO ` + truncated + ` (group_id, topic, partition, kafka_offset)
SELECT group_id, topic, partition, kafka_offset FROM ` + arrival + ` WHERE group_id = $1 AND topic = $2 AND seq = $3
ON CONFLICT (group_id, topic, partition) DO UPDATE
SET kafka_offset = GREATEST(apply_truncated.kafka_offset, EXCLUDED.kafka_offset), truncated_at = now()`,
		DeleteArrival: `DELETE FROM ` + arrival + ` WHERE group_id = $1 AND topic = $2 AND seq = $3 AND partition = $4`,
		ForgetBarrier: `DELETE FROM ` + barrier + ` b
WHERE group_id = $1 AND topic = $2 AND seq = $3 AND done AND NOT EXISTS (
	SELECT FROM ` + arrival + ` a WHERE a.group_id = b.group_id AND a.topic = b.topic AND a.seq = b.seq)`,
		SelectTruncated: `SELECT partition, kafka_offset FROM ` + truncated + ` WHERE group_id = $1 AND topic = $2`,

		RecordProgress: `INSERT INTO ` + progress + ` AS p
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
  heartbeat_applied_at = coalesce(EXCLUDED.heartbeat_applied_at, p.heartbeat_applied_at)`,
		SelectProgress: `SELECT coalesce(o.topic, p.topic), coalesce(o.partition, p.partition), coalesce(o.next_offset, -1),
  p.change_applied_at, p.change_committed_at, p.heartbeat_source, p.heartbeat_seq, p.heartbeat_committed_at,
  p.heartbeat_interval_ms, p.heartbeat_applied_at
FROM (SELECT * FROM ` + offsets + ` WHERE group_id = $1 AND topic IN ` + keys + `) o
FULL JOIN (SELECT * FROM ` + progress + ` WHERE group_id = $1 AND topic IN ` + keys + `) p
  ON p.topic = o.topic AND p.partition = o.partition
ORDER BY 1, 2`,
		CountHeld: `SELECT topic, count(*) FROM ` + held + ` WHERE group_id = $1 GROUP BY topic`,
		CountBlocked: `SELECT r, count(b.key), coalesce(sum(b.parked), 0)
FROM ` + keys + ` AS routes(r) JOIN ` + blocked + ` b
  ON b.group_id = $1 AND b.parked > 0 AND pg_catalog.starts_with(b.key, r || '|')
GROUP BY r`,
		SelectRouteStates: `SELECT route, paused, since, changed_by, reason FROM ` + states + ` WHERE group_id = $1 ORDER BY route`,
		SetRouteState: `INSERT INTO ` + states + ` (group_id, route, paused, since, changed_by, reason)
VALUES ($1, $2, $3, now(), $4, $5)
ON CONFLICT (group_id, route) DO UPDATE SET paused = EXCLUDED.paused, since = now(), changed_by = EXCLUDED.changed_by, reason = EXCLUDED.reason`,
	}
}
