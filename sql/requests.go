package sql

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// RequestsSQL is the SQL of the snapshot requests' table in a capture
// schema (the schema migrations create it), in the dialect's placeholders;
// NewRequests runs it, the same for every dialect.
type RequestsSQL struct {
	// Exists: no parameters; one row, whether the table exists (boolean
	// or 0/1).
	Exists string
	// Insert: table id, schema, table, keys (the text of a JSON array, or
	// NULL for the whole table), chunk size, max rate, estimate; one row,
	// the new request's id, or, with InsertReturnsInto, the id through an
	// eighth, out parameter (Oracle returns a new row's id only through
	// RETURNING ... INTO, never as a row a query scans).
	Insert            string
	InsertReturnsInto bool
	// List and ListOpen (only pending and running): no parameters; rows
	// of id, table id, schema, table, how many keys, whether it is for
	// the whole table, chunk size, max rate, state, rows done, estimate
	// (-1 unknown), last key ("" none), error ("" none), requested,
	// started (NULL) and finished (NULL) times, by id.
	List, ListOpen string
	// Keys: id; one row, the keys as the text of a JSON array ("[]" for
	// none).
	Keys string
	// Cancel: schema, table; marks its pending and running requests
	// cancelled and finished now.
	Cancel string
	// Record: id, state, rows done, last key (NULL none), error (NULL
	// none); mirrors the relay's progress unless the request is
	// cancelled, setting the start time once and the finish time once in
	// a terminal state.
	Record string
}

// NewRequests is the store of snapshot requests that runs q on db.
func NewRequests(db *stdsql.DB, q RequestsSQL) Requests { return &requests{db: db, q: q} }

type requests struct {
	db *stdsql.DB
	q  RequestsSQL
}

var errNoRequests = errors.New("the capture schema has no snapshot requests table: run `ferry migrate up`")

func (s *requests) exists(ctx context.Context) (bool, error) {
	var ok bool
	if err := s.db.QueryRowContext(ctx, s.q.Exists).Scan(&ok); err != nil {
		return false, fmt.Errorf("look for the snapshot requests table: %w", err)
	}
	return ok, nil
}

func (s *requests) Add(ctx context.Context, reqs []SnapshotRequest) ([]int64, error) {
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
		keys := stdsql.NullString{}
		if r.Keys != nil {
			raw := make([]json.RawMessage, len(r.Keys))
			for j, k := range r.Keys {
				raw[j] = k
			}
			b, err := json.Marshal(raw)
			if err != nil {
				return nil, fmt.Errorf("encode the keys of %s.%s: %w", r.Schema, r.Table, err)
			}
			keys = stdsql.NullString{String: string(b), Valid: true}
		}
		args := []any{int64(r.TableID), r.Schema, r.Table, keys, int64(r.ChunkSize), int64(r.MaxRate), r.Estimate}
		if s.q.InsertReturnsInto {
			_, err = tx.ExecContext(ctx, s.q.Insert, append(args, stdsql.Out{Dest: &ids[i]})...)
		} else {
			err = tx.QueryRowContext(ctx, s.q.Insert, args...).Scan(&ids[i])
		}
		if err != nil {
			return nil, fmt.Errorf("request a snapshot of %s.%s: %w", r.Schema, r.Table, err)
		}
	}
	return ids, tx.Commit()
}

func (s *requests) List(ctx context.Context, all bool) ([]SnapshotRequest, error) {
	ok, err := s.exists(ctx)
	if err != nil || !ok {
		return nil, err
	}
	q := s.q.ListOpen
	if all {
		q = s.q.List
	}
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read snapshot requests: %w", err)
	}
	defer rows.Close()
	var out []SnapshotRequest
	for rows.Next() {
		var r SnapshotRequest
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
	if err := s.db.QueryRowContext(ctx, s.q.Keys, id).Scan(&raw); err != nil {
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
	res, err := s.db.ExecContext(ctx, s.q.Cancel, schema, table)
	if err != nil {
		return 0, fmt.Errorf("cancel snapshots of %s.%s: %w", schema, table, err)
	}
	return res.RowsAffected()
}

func (s *requests) Record(ctx context.Context, progress []SnapshotProgress) error {
	if len(progress) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record snapshot progress: %w", err)
	}
	defer tx.Rollback()
	for _, p := range progress {
		if _, err := tx.ExecContext(ctx, s.q.Record, p.ID, p.State, p.Rows, nullString(p.LastKey), nullString(p.Error)); err != nil {
			return fmt.Errorf("record snapshot progress: %w", err)
		}
	}
	return tx.Commit()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
