package postgres

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// leader is a session-level advisory lock held on a connection of its own:
// PostgreSQL releases it the moment that session ends, so when a relay dies
// its standby takes over on its next try. (It needs a direct connection or a
// session-mode pooler; a transaction-mode pooler would break the lease.)
type leader struct {
	db   *stdsql.DB
	key  string
	name string // the session's application_name while it leads

	mu   sync.Mutex
	conn *stdsql.Conn
}

// Leader returns the lease for the relay of source.
func (source) Leader(db *stdsql.DB, captureSchema, source string) fsql.Leader {
	return &leader{db: db, key: leaseKey(captureSchema, source), name: leaseName(source)}
}

func (l *leader) TryAcquire(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		c, err := l.db.Conn(ctx)
		if err != nil {
			return false, fmt.Errorf("connect for the relay lease: %w", err)
		}
		l.conn = c
	}
	var ok bool
	err := l.conn.QueryRowContext(ctx, `SELECT pg_catalog.pg_try_advisory_lock(pg_catalog.hashtextextended($1, 0))`, l.key).Scan(&ok)
	if err != nil {
		l.drop()
		return false, fmt.Errorf("try the relay lease: %w", err)
	}
	if ok {
		// Who leads, for pg_stat_activity and ferry status.
		if _, err := l.conn.ExecContext(ctx, `SELECT pg_catalog.set_config('application_name', $1, false)`, l.name); err != nil {
			l.drop()
			return false, fmt.Errorf("name the relay lease's session: %w", err)
		}
	}
	return ok, nil
}

// Check pings the lease's session: while it lives, the lock is held.
func (l *leader) Check(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return errors.New("the relay lease is not held")
	}
	var held bool
	err := l.conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks
		WHERE locktype = 'advisory' AND pid = pg_catalog.pg_backend_pid() AND granted)`).Scan(&held)
	if err != nil {
		l.drop()
		return fmt.Errorf("the relay lease's session ended: %w", err)
	}
	if !held {
		return errors.New("the relay lease is not held")
	}
	return nil
}

func (l *leader) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return nil
	}
	_, err := l.conn.ExecContext(ctx, `SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtextextended($1, 0))`, l.key)
	l.drop()
	return err
}

// drop closes the lease's connection; the server then frees the lock.
func (l *leader) drop() {
	if l.conn != nil {
		// ErrBadConn makes the pool close the connection rather than keep a
		// session that may still hold the lock.
		_ = l.conn.Raw(func(any) error { return driver.ErrBadConn })
		l.conn.Close()
		l.conn = nil
	}
}
