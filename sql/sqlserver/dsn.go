package sqlserver

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/microsoft/go-mssqldb/msdsn"
)

var errRedacted = errors.New("invalid connection string (not shown: it may hold a password)")

// parseDSN reads a go-mssqldb connection string in any of its forms: URL
// ("sqlserver://user:pass@host:1433/instance?database=db"), ADO
// ("server=host;user id=u;password=p;database=db") or ODBC
// ("odbc:server=host;uid=u;pwd={p}"). Its errors never quote the string.
func parseDSN(dsn string) (msdsn.Config, error) {
	cfg, err := msdsn.Parse(dsn)
	if err != nil {
		// msdsn's errors can quote a value of the DSN; never pass them on.
		return cfg, fmt.Errorf("parse sqlserver dsn: %w", errRedacted)
	}
	return cfg, nil
}

// secretParams are the connection string keys whose values are never
// shown, in the lower case msdsn files them under (ODBC keys normalised).
var secretParams = []string{"password", "pwd", "changepassword", "clientcertpassword", "client secret",
	"clientsecret", "accesstoken", "access token"}

func secret(key string) bool {
	k := strings.ToLower(key)
	return slices.Contains(secretParams, k) || strings.Contains(k, "password") || strings.Contains(k, "secret") ||
		strings.Contains(k, "token")
}

// Redact is the DSN as a URL with every secret replaced by "xxxxx", for
// logs and messages. A DSN that does not parse shows as a placeholder.
func Redact(dsn string) string {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return "sqlserver://(invalid connection string, not shown)"
	}
	u := url.URL{Scheme: "sqlserver", Host: cfg.Host}
	if cfg.Port != 0 {
		u.Host += ":" + strconv.FormatUint(cfg.Port, 10)
	}
	if cfg.Instance != "" {
		u.Path = "/" + cfg.Instance
	}
	switch {
	case cfg.User != "" && cfg.Password != "":
		u.User = url.UserPassword(cfg.User, "xxxxx")
	case cfg.User != "":
		u.User = url.User(cfg.User)
	}
	q := url.Values{}
	for k, v := range cfg.Parameters {
		switch strings.ToLower(k) {
		case "server", "user id", "port", "password":
			continue // shown in the URL's parts, or secret
		}
		if secret(k) {
			v = "xxxxx"
		}
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
