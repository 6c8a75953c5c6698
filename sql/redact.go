package sql

import (
	"net/url"
	"strings"
)

// DSN is what a dialect's own parser read from a DSN, for Redacted.
type DSN struct {
	Scheme, Host, Path string
	User               string
	HasPassword        bool
	// Params are the other settings; Secret says which of them are secret
	// beyond those named like one (password, secret, token).
	Params map[string]string
	Secret func(name string) bool
}

// Redacted is the DSN as a URL for messages, with the password and every
// secret parameter shown as xxxxx.
func (d DSN) Redacted() string {
	u := url.URL{Scheme: d.Scheme, Host: d.Host, Path: d.Path}
	switch {
	case d.User != "" && d.HasPassword:
		u.User = url.UserPassword(d.User, "xxxxx")
	case d.User != "":
		u.User = url.User(d.User)
	}
	q := url.Values{}
	for k, v := range d.Params {
		if secretName(k) || (d.Secret != nil && d.Secret(k)) {
			v = "xxxxx"
		}
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func secretName(key string) bool {
	k := strings.ToLower(key)
	return strings.Contains(k, "password") || strings.Contains(k, "secret") || strings.Contains(k, "token")
}
