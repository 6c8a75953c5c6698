package sqlserver

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net"
	"sync"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// connector bounds each connection's handshake. go-mssqldb reads the
// prelogin answer without watching the context, so a server that accepts
// TCP and never answers would hold Connect for ever; its own "connection
// timeout" is a deadline on every read for the connection's whole life,
// which would also cut off a long statement. So the connector dials
// through dialer, which notes the socket, and puts a deadline in the past
// on it when the bound passes or the context ends; once logged in, the
// deadline is cleared.
type connector struct {
	*mssql.Connector
	timeout time.Duration
}

func newConnector(dsn string) (*connector, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c, err := mssql.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse sqlserver dsn: %w", errRedacted)
	}
	c.Dialer = dialer{&net.Dialer{KeepAlive: cfg.KeepAlive}}
	timeout := fsql.ConnectTimeout
	if cfg.ConnTimeout > 0 { // "connection timeout" set in the DSN
		timeout = cfg.ConnTimeout
	}
	return &connector{Connector: c, timeout: timeout}, nil
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	s := &socket{}
	stop := context.AfterFunc(ctx, s.abort)
	conn, err := c.Connector.Connect(context.WithValue(ctx, socketKey{}, s))
	if !stop() { // the bound passed or ctx ended: the socket was cut
		if err == nil {
			conn.Close()
		}
		return nil, context.Cause(ctx)
	}
	if err != nil {
		return nil, err
	}
	s.release()
	return conn, nil
}

type socketKey struct{}

// socket is the connection a Connect call dialed last (a login can be
// routed to another server, which dials again).
type socket struct {
	mu      sync.Mutex
	conn    net.Conn
	aborted bool
}

func (s *socket) set(conn net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = conn
	if s.aborted {
		conn.SetDeadline(time.Unix(1, 0))
	}
}

func (s *socket) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aborted = true
	if s.conn != nil {
		s.conn.SetDeadline(time.Unix(1, 0)) // wakes a blocked read or write
	}
}

func (s *socket) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		s.conn.SetDeadline(time.Time{})
	}
}

// dialer is go-mssqldb's own dialer, noting the connection for Connect.
type dialer struct{ *net.Dialer }

func (d dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := d.Dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if s, ok := ctx.Value(socketKey{}).(*socket); ok && network == "tcp" {
		s.set(conn)
	}
	return conn, nil
}
