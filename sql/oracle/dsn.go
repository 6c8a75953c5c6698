package oracle

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strings"

	go_ora "github.com/sijms/go-ora/v2"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// secretOptions are go-ora URL options that hold secrets.
var secretOptions = []string{"WALLET PASSWORD", "OS PASS", "OS PASSWORD", "OS HASH", "OS PASSHASH", "OS PASSWORD HASH", "PROXY CLIENT PASSWORD"}

// ParseDSN checks a go-ora URL, oracle://user:password@host:port/service?
// option=value..., and returns the user it connects as. Its errors never
// quote the DSN, which holds a password.
func ParseDSN(dsn string) (user string, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse oracle dsn: %w", errRedacted)
	}
	if u.Scheme != "oracle" {
		return "", fmt.Errorf("parse oracle dsn: the scheme must be oracle:// (oracle://user:password@host:1521/service)")
	}
	if u.Host == "" {
		return "", fmt.Errorf("parse oracle dsn: no host (oracle://user:password@host:1521/service)")
	}
	if strings.Trim(u.Path, "/") == "" && u.Query().Get("SID") == "" && u.Query().Get("connStr") == "" {
		return "", fmt.Errorf("parse oracle dsn: no service name (oracle://user:password@host:1521/service)")
	}
	if u.User == nil || u.User.Username() == "" {
		return "", fmt.Errorf("parse oracle dsn: no user (oracle://user:password@host:1521/service)")
	}
	if _, err := go_ora.ParseConfig(dsn); err != nil {
		return "", fmt.Errorf("parse oracle dsn: %w", errRedacted)
	}
	return u.User.Username(), nil
}

// Redact returns the DSN with its password and secret options replaced by
// "xxxxx", for messages and logs. A DSN that does not parse is not shown.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(an oracle dsn that does not parse; not shown)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	for key := range q {
		for _, s := range secretOptions {
			if strings.EqualFold(key, s) {
				q.Set(key, "xxxxx")
			}
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// sessionSettings pin, on every connection Ferry opens, the NLS settings
// that change how values read and write as text: the decimal point that
// TO_NUMBER(:n) reads, the calendar and language of TO_DATE and
// TO_TIMESTAMP formats. Every statement also names its formats; these
// settings cover what a format cannot (TO_NUMBER without a model, the
// calendar). NLS_SORT and NLS_COMP BINARY make ORDER BY and comparisons
// of text (a snapshot's key order, key bounds, joins on keys) compare bytes,
// whatever a user's or a logon trigger's linguistic sort: a linguistic or
// case-insensitive order would make a keyset page skip or repeat rows. A
// logon trigger runs before this statement, so it cannot undo it.
const sessionSettings = `ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,' NLS_CALENDAR = 'GREGORIAN' ` +
	`NLS_DATE_LANGUAGE = 'AMERICAN' NLS_LENGTH_SEMANTICS = 'BYTE' NLS_SORT = 'BINARY' NLS_COMP = 'BINARY' ` +
	`TIME_ZONE = '+00:00'`

// connector wraps go-ora's connector to pin the session settings.
type connector struct {
	driver.Connector
}

// Connect bounds the handshake and the session settings by
// fsql.ConnectTimeout: go-ora's own TIMEOUT is a deadline on every read
// for the connection's life (10 minutes by default), which would also cut
// off a long statement, while go-ora watches ctx only during a call.
func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, fsql.ConnectTimeout)
	defer cancel()
	conn, err := c.Connector.Connect(ctx)
	if err != nil && ctx.Err() != nil {
		// go-ora says "use of closed network connection": say why.
		return nil, fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("the go-ora connection cannot execute statements")
	}
	if _, err := ex.ExecContext(ctx, sessionSettings, nil); err != nil {
		conn.Close()
		return nil, fmt.Errorf("pin the session's NLS settings: %w", err)
	}
	return conn, nil
}
