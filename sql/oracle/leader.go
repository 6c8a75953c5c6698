package oracle

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// The relay's lease is a DBMS_LOCK user lock in exclusive mode, held by a
// session of its own with release_on_commit off: like PostgreSQL's
// session advisory lock, Oracle frees it the moment that session ends, so
// when a relay dies its standby takes over on its next try, and two
// relays can never hold it at once. A lease row with an expiry time was
// the alternative; it needs no grant, but its safety rests on clocks and
// on the old leader noticing the expiry before a pause ends (a GC pause or
// SIGSTOP longer than the lease gives two leaders), where a lock rests on
// the server alone. The price is one grant: EXECUTE ON SYS.DBMS_LOCK.
//
// A session whose network path breaks without a reset keeps the lock until
// the server notices (SQLNET.EXPIRE_TIME, dead connection detection):
// the standby waits, it never leads alongside.

// lockRequest allocates a handle for the lock's name (ALLOCATE_UNIQUE
// commits, which is harmless on the lease's own session) and requests it
// without waiting. :2 is DBMS_LOCK.REQUEST's result: 0 granted, 1 held
// elsewhere, 4 already held by this session.
const lockRequest = `DECLARE
    handle VARCHAR2(128);
BEGIN
    DBMS_LOCK.ALLOCATE_UNIQUE(:1, handle);
    :2 := DBMS_LOCK.REQUEST(handle, DBMS_LOCK.X_MODE, :3, FALSE);
END;`

const lockRelease = `DECLARE
    handle VARCHAR2(128);
BEGIN
    DBMS_LOCK.ALLOCATE_UNIQUE(:1, handle);
    :2 := DBMS_LOCK.RELEASE(handle);
END;`

// DBMS_LOCK.REQUEST results.
const (
	lockGranted     = 0
	lockTimeout     = 1
	lockDeadlock    = 2
	lockAlreadyHeld = 4
)

// lockName is the lease's name: unique per capture schema and source.
func lockName(captureSchema, source string) string {
	return "ferry.relay." + captureSchema + "." + source
}

type leader struct {
	db   *stdsql.DB
	name string

	mu   sync.Mutex
	conn *stdsql.Conn
}

// Leader returns the lease for the relay of source.
func (source) Leader(db *stdsql.DB, captureSchema, source string) fsql.Leader {
	return &leader{db: db, name: lockName(captureSchema, source)}
}

// request runs lockRequest on conn with a timeout in seconds.
func request(ctx context.Context, conn *stdsql.Conn, name string, timeout int) (int, error) {
	var result int
	if _, err := conn.ExecContext(ctx, lockRequest, name, stdsql.Out{Dest: &result}, timeout); err != nil {
		if isOra(err, oraPLSQLCompile, oraNameNotDeclare) {
			return 0, fmt.Errorf("the lease is a DBMS_LOCK lock: GRANT EXECUTE ON SYS.DBMS_LOCK to the relay's user: %w (%w)", ErrMissingGrant, err)
		}
		return 0, err
	}
	return result, nil
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
	result, err := request(ctx, l.conn, l.name, 0)
	if err != nil {
		l.drop()
		return false, fmt.Errorf("try the relay lease: %w", err)
	}
	switch result {
	case lockGranted, lockAlreadyHeld:
		return true, nil
	case lockTimeout:
		return false, nil
	}
	l.drop()
	return false, fmt.Errorf("try the relay lease: DBMS_LOCK.REQUEST returned %d", result)
}

// Check asks for the lock again on the lease's session: "already held"
// proves that the session lives and holds it.
func (l *leader) Check(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return errors.New("the relay lease is not held")
	}
	result, err := request(ctx, l.conn, l.name, 0)
	if err != nil {
		l.drop()
		return fmt.Errorf("the relay lease's session ended: %w", err)
	}
	if result != lockAlreadyHeld {
		return fmt.Errorf("the relay lease is not held (DBMS_LOCK.REQUEST returned %d)", result)
	}
	return nil
}

func (l *leader) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return nil
	}
	var result int
	_, err := l.conn.ExecContext(ctx, lockRelease, l.name, stdsql.Out{Dest: &result})
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

// sessionLocker is goose's session locker for `ferry migrate`: the same
// DBMS_LOCK lock, waited for in steps so that a cancelled context ends
// the wait.
type sessionLocker struct {
	name string
}

func (s *sessionLocker) SessionLock(ctx context.Context, conn *stdsql.Conn) error {
	for {
		result, err := request(ctx, conn, s.name, 5)
		if err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		switch result {
		case lockGranted, lockAlreadyHeld:
			return nil
		case lockTimeout, lockDeadlock:
		default:
			return fmt.Errorf("take the migration lock: DBMS_LOCK.REQUEST returned %d", result)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *sessionLocker) SessionUnlock(ctx context.Context, conn *stdsql.Conn) error {
	var result int
	if _, err := conn.ExecContext(ctx, lockRelease, s.name, stdsql.Out{Dest: &result}); err != nil {
		return fmt.Errorf("release the migration lock: %w", err)
	}
	return nil
}
