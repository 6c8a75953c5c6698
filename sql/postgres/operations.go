package postgres

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Heartbeat writes one heartbeat into the outbox of captureSchema, through
// the function migration 00004 installs. It returns ErrNoHeartbeat (wrapped)
// when the capture schema predates it.
func (source) Heartbeat(ctx context.Context, db *stdsql.DB, captureSchema string, interval time.Duration) error {
	// The transaction takes its xid before the row takes its seq (the
	// column defaults would take them the other way round): a seq is never
	// older than its xid, which the cursor counts on (outbox.go).
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("write a heartbeat into %s.outbox: %w", captureSchema, err)
	}
	defer tx.Rollback()
	if _, err = tx.ExecContext(ctx, `SELECT pg_catalog.pg_current_xact_id()`); err == nil {
		if _, err = tx.ExecContext(ctx, `SELECT `+ident(captureSchema, "heartbeat")+`($1::integer)`, interval.Milliseconds()); err == nil {
			err = tx.Commit()
		}
	}
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
	name := fsql.LeaseName(source)
	if len(name) > 63 { // NAMEDATALEN - 1
		name = name[:63]
	}
	return name
}

// LeaseHolder reads who holds the lease of a relay of source, from
// pg_locks and pg_stat_activity; nil when nobody does. A bigint advisory
// lock shows in pg_locks as its high and low halves in classid and objid.
func (source) LeaseHolder(ctx context.Context, q fsql.Querier, captureSchema, source string) (*fsql.LeaseHolder, error) {
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
