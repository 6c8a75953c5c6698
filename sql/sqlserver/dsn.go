package sqlserver

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/microsoft/go-mssqldb/msdsn"

	fsql "github.com/ferry-cdc/ferry/sql"
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

func secret(key string) bool { return slices.Contains(secretParams, strings.ToLower(key)) }

// Redact is the DSN as a URL with every secret replaced by "xxxxx", for
// logs and messages. A DSN that does not parse shows as a placeholder.
func Redact(dsn string) string {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return "sqlserver://(invalid connection string, not shown)"
	}
	d := fsql.DSN{Scheme: "sqlserver", Host: cfg.Host, User: cfg.User, HasPassword: cfg.Password != "",
		Params: map[string]string{}, Secret: secret}
	if cfg.Port != 0 {
		d.Host += ":" + strconv.FormatUint(cfg.Port, 10)
	}
	if cfg.Instance != "" {
		d.Path = "/" + cfg.Instance
	}
	for k, v := range cfg.Parameters {
		switch strings.ToLower(k) {
		case "server", "user id", "port", "password":
			continue // shown in the URL's parts, or secret
		}
		d.Params[k] = v
	}
	return d.Redacted()
}
