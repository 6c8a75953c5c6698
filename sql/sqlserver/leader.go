package sqlserver

import (
	"context"
	"crypto/sha256"
	stdsql "database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// nameSession marks the lease's session while it leads, for LeaseHolder:
// its CONTEXT_INFO (128 bytes that sys.dm_exec_sessions shows to a login
// with VIEW SERVER STATE) becomes the SHA-256 of the lock's resource, then
// the relay's name (sql.LeaseName). The session's program_name comes from
// the DSN and cannot change once connected.
const nameSession = `DECLARE @info varbinary(128) = @p1;
SET CONTEXT_INFO @info;`

// leaseHolder finds the session that leads: marked by nameSession with
// the resource's hash @p1, and holding an exclusive session-owned
// application lock in this database. login_time is the server's local
// time; its current offset makes it an instant.
const leaseHolder = `SELECT TOP (1) s.[session_id], SUBSTRING(s.[context_info], 33, 96), s.[program_name],
    ISNULL(c.[client_net_address], N''), s.[login_name],
    TODATETIMEOFFSET(s.[login_time], DATEPART(TZOFFSET, SYSDATETIMEOFFSET()))
FROM sys.dm_exec_sessions AS s
JOIN sys.dm_tran_locks AS l ON l.[request_session_id] = s.[session_id]
LEFT JOIN sys.dm_exec_connections AS c ON c.[session_id] = s.[session_id] AND c.[parent_connection_id] IS NULL
WHERE SUBSTRING(s.[context_info], 1, 32) = @p1
    AND l.[resource_type] = N'APPLICATION' AND l.[resource_database_id] = DB_ID()
    AND l.[request_owner_type] = N'SESSION' AND l.[request_mode] = N'X' AND l.[request_status] = N'GRANT'
ORDER BY s.[login_time];`

// sessionInfo is what nameSession sets for the lease of resource.
func sessionInfo(resource, source string) []byte {
	h := sha256.Sum256([]byte(resource))
	name := []byte(fsql.LeaseName(source))
	return append(h[:], name[:min(len(name), 96)]...)
}

// LeaseHolder reads who holds the lease of a relay of source; nil when
// nobody does. The login needs VIEW SERVER STATE (as the relay's report of
// the oldest open transaction does): without it SQL Server shows only the
// login's own sessions, and refuses sys.dm_tran_locks.
func (source) LeaseHolder(ctx context.Context, q fsql.Querier, captureSchema, source string) (*fsql.LeaseHolder, error) {
	info := sessionInfo(relayResource(captureSchema, source), source)
	var h fsql.LeaseHolder
	var name []byte
	var program string
	err := q.QueryRowContext(ctx, leaseHolder, info[:sha256.Size]).Scan(&h.PID, &name, &program, &h.Client, &h.User, &h.Since)
	if errors.Is(err, stdsql.ErrNoRows) {
		return nil, nil
	}
	if me, ok := numbered(err); ok && slices.Contains(permissionDenied, me.Number) {
		return nil, fmt.Errorf("read who holds the relay lease of %s: the login needs VIEW SERVER STATE: %w", source, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read who holds the relay lease of %s: %w", source, err)
	}
	h.Application = strings.TrimRight(string(name), "\x00")
	if h.Application == "" {
		h.Application = program
	}
	return &h, nil
}

// relayResource is the lock resource of the lease of a relay of source.
func relayResource(captureSchema, source string) string {
	return lockResource("ferry.relay." + captureSchema + "." + source)
}

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
	info     []byte // what nameSession sets

	mu   sync.Mutex
	conn *stdsql.Conn
}

// Leader returns the lease for the relay of source.
func (source) Leader(db *stdsql.DB, captureSchema, source string) fsql.Leader {
	resource := relayResource(captureSchema, source)
	return &leader{db: db, resource: resource, info: sessionInfo(resource, source)}
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
		if _, err := l.conn.ExecContext(ctx, nameSession, l.info); err != nil {
			l.drop()
			return false, fmt.Errorf("name the relay lease's session: %w", err)
		}
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
