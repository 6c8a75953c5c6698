package sqlserver

import (
	"context"
	"crypto/sha256"
	stdsql "database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Application locks (sp_getapplock) owned by the session, not by a
// transaction: SQL Server releases them the moment the session ends, so a
// relay that dies loses its lease at once and its standby takes over on its
// next try. They need no table and no grant beyond membership of public.
//
// The session must be a connection of its own that is never handed back
// to the pool while the lock is held: go-mssqldb resets a pooled connection
// (sp_reset_connection) before reusing it, and a reset session has dropped
// its locks.

// getAppLock tries the lock: @p1 resource, @p2 wait in milliseconds (0: do
// not wait). It returns sp_getapplock's result: 0 or 1 granted, -1 timed
// out, -2 cancelled, -3 chosen as deadlock victim, -999 a parameter error.
const getAppLock = `DECLARE @result int;
EXEC @result = sys.sp_getapplock @Resource = @p1, @LockMode = N'Exclusive', @LockOwner = N'Session', @LockTimeout = @p2;
SELECT @result;`

// appLockHeld is 1 while this session holds the lock.
const appLockHeld = `SELECT CASE WHEN APPLOCK_MODE(N'public', @p1, N'Session') = N'Exclusive' THEN 1 ELSE 0 END;`

const releaseAppLock = `EXEC sys.sp_releaseapplock @Resource = @p1, @LockOwner = N'Session';`

// lockResource is a lock name within sp_getapplock's 255 characters.
func lockResource(name string) string {
	if len([]rune(name)) <= 255 {
		return name
	}
	h := sha256.Sum256([]byte(name))
	return "ferry." + hex.EncodeToString(h[:])
}

// leader is the relay's lease: an exclusive session-owned application lock
// held on a connection of its own.
type leader struct {
	db       *stdsql.DB
	resource string

	mu   sync.Mutex
	conn *stdsql.Conn
}

// Leader returns the lease for the relay of source.
func (source) Leader(db *stdsql.DB, captureSchema, source string) fsql.Leader {
	return &leader{db: db, resource: lockResource("ferry.relay." + captureSchema + "." + source)}
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
	var result int
	if err := l.conn.QueryRowContext(ctx, getAppLock, l.resource, 0).Scan(&result); err != nil {
		l.drop()
		return false, fmt.Errorf("try the relay lease: %w", err)
	}
	switch {
	case result >= 0:
		return true, nil
	case result == -1:
		return false, nil // another session holds it
	default:
		return false, fmt.Errorf("try the relay lease: sp_getapplock returned %d", result)
	}
}

// Check asks the lease's session whether it still holds the lock; an error
// means the session is gone, and with it the lock.
func (l *leader) Check(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return errors.New("the relay lease is not held")
	}
	var held int
	if err := l.conn.QueryRowContext(ctx, appLockHeld, l.resource).Scan(&held); err != nil {
		l.drop()
		return fmt.Errorf("the relay lease's session ended: %w", err)
	}
	if held != 1 {
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
	_, err := l.conn.ExecContext(ctx, releaseAppLock, l.resource)
	l.drop()
	return err
}

// drop closes the lease's connection for good; the server then frees the lock.
func (l *leader) drop() {
	if l.conn != nil {
		// ErrBadConn makes the pool close the connection rather than reset
		// and keep a session that may still hold the lock.
		_ = l.conn.Raw(func(any) error { return driver.ErrBadConn })
		l.conn.Close()
		l.conn = nil
	}
}

// migrationLocker is goose's SessionLocker for `ferry migrate`: one
// session-owned application lock per database, waited for up to the
// context's deadline or five minutes.
type migrationLocker struct{}

const migrationResource = "ferry.migrate"

func (migrationLocker) SessionLock(ctx context.Context, conn *stdsql.Conn) error {
	wait := 5 * time.Minute
	if d, ok := ctx.Deadline(); ok {
		wait = max(time.Until(d), 0)
	}
	var result int
	if err := conn.QueryRowContext(ctx, getAppLock, migrationResource, wait.Milliseconds()).Scan(&result); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if result < 0 {
		return fmt.Errorf("take the migration lock: sp_getapplock returned %d (another ferry migrate holds it)", result)
	}
	return nil
}

func (migrationLocker) SessionUnlock(ctx context.Context, conn *stdsql.Conn) error {
	if _, err := conn.ExecContext(ctx, releaseAppLock, migrationResource); err != nil {
		return fmt.Errorf("release the migration lock: %w", err)
	}
	return nil
}
