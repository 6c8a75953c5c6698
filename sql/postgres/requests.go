package postgres

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// requests keeps snapshot requests in <capture schema>.snapshot_request
// (migrations/postgres/00003_snapshot_requests.sql).
type requests struct {
	db    *stdsql.DB
	table string
}

// Requests is the store of snapshot requests in captureSchema.
func (snapshot) Requests(db *stdsql.DB, captureSchema string) fsql.Requests {
	return &requests{db: db, table: ident(captureSchema, "snapshot_request")}
}

var errNoRequests = errors.New("the capture schema has no snapshot_request table: run `ferry migrate up`")

func (s *requests) exists(ctx context.Context) (bool, error) {
	var ok bool
	if err := s.db.QueryRowContext(ctx, `SELECT pg_catalog.to_regclass($1) IS NOT NULL`, s.table).Scan(&ok); err != nil {
		return false, fmt.Errorf("look for %s: %w", s.table, err)
	}
	return ok, nil
}

func (s *requests) Add(ctx context.Context, reqs []fsql.SnapshotRequest) ([]int64, error) {
	ok, err := s.exists(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoRequests
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ids := make([]int64, len(reqs))
	for i, r := range reqs {
		var keys any
		if r.Keys != nil {
			raw := make([]json.RawMessage, len(r.Keys))
			for j, k := range r.Keys {
				raw[j] = k
			}
			b, err := json.Marshal(raw)
			if err != nil {
				return nil, fmt.Errorf("encode the keys of %s.%s: %w", r.Schema, r.Table, err)
			}
			keys = string(b)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO `+s.table+` (table_id, schema_name, table_name, keys, chunk_size, max_rate, rows_estimated)
VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) RETURNING id`, r.TableID, r.Schema, r.Table, keys, r.ChunkSize, r.MaxRate, r.Estimate).Scan(&ids[i])
		if err != nil {
			return nil, fmt.Errorf("request a snapshot of %s.%s: %w", r.Schema, r.Table, err)
		}
	}
	return ids, tx.Commit()
}

func (s *requests) List(ctx context.Context, all bool) ([]fsql.SnapshotRequest, error) {
	ok, err := s.exists(ctx)
	if err != nil || !ok {
		return nil, err
	}
	q := `SELECT id, table_id, schema_name, table_name, COALESCE(pg_catalog.jsonb_array_length(keys), 0), keys IS NULL,
  chunk_size, max_rate, state, rows_done, COALESCE(rows_estimated, -1), COALESCE(last_key, ''), COALESCE(error, ''),
  requested_at, started_at, finished_at
FROM ` + s.table
	if !all {
		q += ` WHERE state IN ('pending', 'running')`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read snapshot requests: %w", err)
	}
	defer rows.Close()
	var out []fsql.SnapshotRequest
	for rows.Next() {
		var r fsql.SnapshotRequest
		var whole bool
		var started, finished stdsql.NullTime
		if err := rows.Scan(&r.ID, &r.TableID, &r.Schema, &r.Table, &r.KeyCount, &whole, &r.ChunkSize, &r.MaxRate, &r.State,
			&r.Rows, &r.Estimate, &r.LastKey, &r.Error, &r.Requested, &started, &finished); err != nil {
			return nil, fmt.Errorf("read snapshot requests: %w", err)
		}
		if !whole && r.KeyCount == 0 {
			r.Keys = [][]byte{} // some keys, none of them
		}
		r.Started, r.Finished = started.Time, finished.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *requests) Keys(ctx context.Context, id int64) ([][]byte, error) {
	var raw []byte
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(keys, '[]')::text FROM `+s.table+` WHERE id = $1`, id).Scan(&raw); err != nil {
		return nil, fmt.Errorf("read the keys of snapshot request %d: %w", id, err)
	}
	var keys []json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return nil, fmt.Errorf("read the keys of snapshot request %d: %w", id, err)
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}

func (s *requests) Cancel(ctx context.Context, schema, table string) (int64, error) {
	ok, err := s.exists(ctx)
	if err != nil || !ok {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE `+s.table+` SET state = 'cancelled', finished_at = now(), updated_at = now()
WHERE schema_name = $1 AND table_name = $2 AND state IN ('pending', 'running')`, schema, table)
	if err != nil {
		return 0, fmt.Errorf("cancel snapshots of %s.%s: %w", schema, table, err)
	}
	return res.RowsAffected()
}

func (s *requests) Record(ctx context.Context, progress []fsql.SnapshotProgress) error {
	if len(progress) == 0 {
		return nil
	}
	b, err := json.Marshal(progress)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE `+s.table+` r SET
  state = p."State", rows_done = p."Rows", last_key = NULLIF(p."LastKey", ''), error = NULLIF(p."Error", ''),
  started_at = COALESCE(r.started_at, now()),
  finished_at = CASE WHEN p."State" IN ('done', 'cancelled', 'failed') THEN COALESCE(r.finished_at, now()) END,
  updated_at = now()
FROM pg_catalog.json_to_recordset($1::pg_catalog.json) AS p("ID" bigint, "State" text, "Rows" bigint, "LastKey" text, "Error" text)
WHERE r.id = p."ID" AND r.state <> 'cancelled'`, string(b))
	if err != nil {
		return fmt.Errorf("record snapshot progress: %w", err)
	}
	return nil
}
