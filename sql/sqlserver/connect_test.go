package sqlserver

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// silent accepts connections and never writes: a host that accepts TCP
// and never answers.
func silent(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(conns)
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// ping pings db with ctx and fails the test if the ping has not returned
// within bound, a guard against a hang, not a measure.
func ping(t *testing.T, ctx context.Context, dsn string, bound time.Duration) error {
	t.Helper()
	db, err := Dialect{}.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- db.PingContext(ctx) }()
	select {
	case err := <-done:
		db.Close()
		return err
	case <-time.After(bound):
		t.Fatalf("the ping did not return within %s", bound)
		return nil
	}
}

// TestConnectToSilentServerEnds: without a deadline on the context (a
// daemon's), a connection to a server that never answers ends after the
// connect bound rather than never; a cancelled context ends it at once.
func TestConnectToSilentServerEnds(t *testing.T) {
	t.Parallel()
	dsn := "sqlserver://ferry:secret@" + silent(t) + "?database=hq"
	if err := ping(t, context.Background(), dsn, 40*time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ping: %v, want the connect bound's deadline", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	if err := ping(t, ctx, dsn, 40*time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("ping with a cancelled context: %v, want context.Canceled", err)
	}
}
