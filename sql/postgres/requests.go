package postgres

import (
	stdsql "database/sql"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Requests is the store of snapshot requests in captureSchema, in
// <capture schema>.snapshot_request (schema/00003_snapshot_requests.sql).
func (source) Requests(db *stdsql.DB, captureSchema string) fsql.Requests {
	return fsql.NewRequests(db, requestsSQL(captureSchema))
}

func requestsSQL(captureSchema string) fsql.RequestsSQL {
	table := ident(captureSchema, "snapshot_request")
	list := `SELECT id, table_id, schema_name, table_name, COALESCE(pg_catalog.jsonb_array_length(keys), 0), keys IS NULL,
  chunk_size, max_rate, state, rows_done, COALESCE(rows_estimated, -1), COALESCE(last_key, ''), COALESCE(error, ''),
  requested_at, started_at, finished_at
FROM ` + table
	return fsql.RequestsSQL{
		Exists: `SELECT pg_catalog.to_regclass(` + literal(table) + `) IS NOT NULL`,
		Insert: `INSERT INTO ` + table + ` (table_id, schema_name, table_name, keys, chunk_size, max_rate, rows_estimated)
VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) RETURNING id`,
		List:     list + ` ORDER BY id`,
		ListOpen: list + ` WHERE state IN ('pending', 'running') ORDER BY id`,
		Keys:     `SELECT COALESCE(keys, '[]')::text FROM ` + table + ` WHERE id = $1`,
		Cancel: `UPDATE ` + table + ` SET state = 'cancelled', finished_at = now(), updated_at = now()
WHERE schema_name = $1 AND table_name = $2 AND state IN ('pending', 'running')`,
		Record: `UPDATE ` + table + ` SET
  state = $2, rows_done = $3, last_key = $4, error = $5,
  started_at = COALESCE(started_at, now()),
  finished_at = CASE WHEN $2 IN ('done', 'cancelled', 'failed') THEN COALESCE(finished_at, now()) END,
  updated_at = now()
WHERE id = $1 AND state <> 'cancelled'`,
	}
}
