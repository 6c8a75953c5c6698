// Package pgtest gives integration tests a fresh database on the real
// PostgreSQL that scripts/services-up.sh starts (make test does this).
//
// FERRY_TEST_PG_ADMIN_DSN names a database to connect to for CREATE
// DATABASE. Without it a test is skipped, with the variable named, except
// under CI, where a missing service is a failure rather than a quiet skip.
package pgtest

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// AdminDSN returns the DSN of the server's maintenance database, or skips.
func AdminDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("FERRY_TEST_PG_ADMIN_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("FERRY_TEST_PG_ADMIN_DSN is not set under CI: run the tests with `make test`, which starts PostgreSQL")
		}
		tb.Skip("set FERRY_TEST_PG_ADMIN_DSN (make test does) to run tests against a real PostgreSQL")
	}
	return dsn
}

// NewDB creates an empty database for this test and drops it when the test
// ends. It returns the database's DSN and an open pool.
func NewDB(tb testing.TB) (string, *stdsql.DB) {
	tb.Helper()
	admin := AdminDSN(tb)
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	name := "ferry_t_" + hex.EncodeToString(b)
	adb := Open(tb, admin)
	ctx := context.Background()
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	dsn := WithDatabase(tb, admin, name)
	db := Open(tb, dsn)
	tb.Cleanup(func() {
		db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := adb.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
	})
	return dsn, db
}

// Open opens a pool and closes it when the test ends.
func Open(tb testing.TB, dsn string) *stdsql.DB {
	tb.Helper()
	db, err := stdsql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// WithDatabase returns dsn pointing at another database on the same server.
func WithDatabase(tb testing.TB, dsn, database string) string {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("FERRY_TEST_PG_ADMIN_DSN must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + database
	return u.String()
}

// Exec runs statements in order and fails the test on the first error.
func Exec(tb testing.TB, db *stdsql.DB, stmts ...string) {
	tb.Helper()
	for _, s := range stmts {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
	}
}

// QueryValue runs a query returning one value.
func QueryValue[T any](tb testing.TB, db *stdsql.DB, query string, args ...any) T {
	tb.Helper()
	var v T
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&v); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return v
}

// Restart restarts the test PostgreSQL server through scripts/pg.sh, for
// tests of what happens when the database goes away.
func Restart(tb testing.TB) { control(tb, "restart") }

// Crash stops the test PostgreSQL server as a power cut would (an
// immediate shutdown: WAL not yet flushed is lost and recovery runs at the
// next start) and starts it again.
func Crash(tb testing.TB) { control(tb, "crash") }

func control(tb testing.TB, action string) {
	tb.Helper()
	ctl := os.Getenv("FERRY_PG_CTL")
	if ctl == "" {
		tb.Skip("set FERRY_PG_CTL (make test does) to restart PostgreSQL in a test")
	}
	if err := run(ctl, action); err != nil {
		tb.Fatalf("%s postgres: %v", action, err)
	}
}

func run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w: %s", name, args, err, out)
	}
	return nil
}

// TLS returns dsn with sslmode=verify-full against the test CA, which
// FERRY_TEST_PG_CA names (scripts/pg.sh tls turns TLS on; make test does),
// or skips. The CA signed the server's certificate for 127.0.0.1.
func TLS(tb testing.TB, dsn string) string {
	tb.Helper()
	ca := os.Getenv("FERRY_TEST_PG_CA")
	if ca == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("FERRY_TEST_PG_CA is not set under CI: run the tests with `make test`, which turns TLS on")
		}
		tb.Skip("set FERRY_TEST_PG_CA (make test does) to run tests of PostgreSQL over TLS")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("DSN must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("sslmode", "verify-full")
	q.Set("sslrootcert", ca)
	u.RawQuery = q.Encode()
	return u.String()
}
