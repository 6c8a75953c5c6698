package config

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
)

// redacted replaces a password, as net/url's URL.Redacted does.
const redacted = "xxxxx"

// Secret returns the connection string as written, password included. It is
// for handing to a driver and nothing else.
func (d DSN) Secret() string { return string(d) }

// String returns the DSN with its password replaced by xxxxx.
func (d DSN) String() string { return redact(string(d)) }

// GoString makes %#v redact too.
func (d DSN) GoString() string { return fmt.Sprintf("config.DSN(%q)", d.String()) }

// Format redacts under every verb. String alone is not enough: fmt prints a
// string type's raw value under a verb it does not expect, such as %d, and
// %x would hex-encode the secret.
func (d DSN) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, d.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), d.String())
}

// LogValue redacts the DSN in slog output, whatever the handler.
func (d DSN) LogValue() slog.Value { return slog.StringValue(d.String()) }

// MarshalText, MarshalJSON and MarshalYAML redact, so that dumping a Config
// (ferry config show, a debug endpoint) never prints a password.
func (d DSN) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
func (d DSN) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }
func (d DSN) MarshalYAML() (any, error)    { return d.String(), nil }

// urlScheme starts a URL-style DSN: postgres://, sqlserver://, oracle://.
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// ezConnect is Oracle's user/password@host form.
var ezConnect = regexp.MustCompile(`^[^\s=;/@:]+/`)

// redact hides the password in the DSN forms the supported drivers take:
//
//	postgres://user:pw@host/db?sslmode=require          URL userinfo
//	sqlserver://host?database=x&password=pw             URL query
//	host=h user=u password=pw | password='a b'          libpq key=value
//	server=h;user id=u;Password=pw;                     ADO / ODBC, pwd=, {..}, "..", '..'
//	user/pw@host:1521/svc                               Oracle easy connect
//
// Where the form is ambiguous it hides too much rather than too little: in a
// URL the userinfo runs to the last @, and an unquoted key=value password
// runs until a separator that is followed by another key=.
func redact(s string) string {
	if loc := urlScheme.FindStringIndex(s); loc != nil {
		rest := s[loc[1]:]
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			user := rest[:at]
			if colon := strings.IndexByte(user, ':'); colon >= 0 {
				return s[:loc[1]] + user[:colon+1] + redacted + redactPairs(rest[at:])
			}
			return s[:loc[1]] + user + redactPairs(rest[at:])
		}
		return s[:loc[1]] + redactPairs(rest)
	}
	if loc := ezConnect.FindStringIndex(s); loc != nil {
		if at := strings.LastIndexByte(s, '@'); at >= loc[1] {
			return s[:loc[1]] + redacted + redactPairs(s[at:])
		}
	}
	return redactPairs(s)
}

// redactPairs hides the value of every secret key=value pair in s.
func redactPairs(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if i == 0 || isPairSep(s[i-1]) || s[i-1] == ':' {
			if key, v, ok := matchKey(s, i); ok && secretKey(key) {
				for v < len(s) && (s[v] == ' ' || s[v] == '\t') {
					v++
				}
				end := valueEnd(s, v)
				b.WriteString(s[i:v])
				b.WriteString(redacted)
				i = end
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// isPairSep separates pairs: whitespace in libpq, ; in ADO and ODBC, & and ?
// in a URL query.
func isPairSep(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ';', '&', '?':
		return true
	}
	return false
}

// isKeyByte is a byte a key may hold: '%' and '+' for a URL query's
// escaped keys (go-ora's "WALLET%20PASSWORD").
func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == ' ' || c == '\t' || c == '%' || c == '+'
}

// matchKey matches `key =` at i, where a key may hold spaces ("User ID"),
// and returns the key and where its value starts.
func matchKey(s string, i int) (key string, value int, ok bool) {
	j := i
	for j < len(s) && isKeyByte(s[j]) {
		j++
	}
	if j == len(s) || s[j] != '=' {
		return "", 0, false
	}
	key = strings.TrimSpace(s[i:j])
	if key == "" {
		return "", 0, false
	}
	return key, j + 1, true
}

// secretKey reports whether a key names a secret: password, Password,
// sslpassword, "Trust Store Password", pwd, passwd, any *secret* or *token*.
func secretKey(key string) bool {
	if u, err := url.QueryUnescape(key); err == nil {
		key = u
	}
	k := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '_', '-', '.':
			return -1
		}
		return r
	}, strings.ToLower(key))
	return k == "pwd" || strings.Contains(k, "password") || strings.Contains(k, "passwd") ||
		strings.Contains(k, "secret") || strings.Contains(k, "token")
}

// valueEnd returns where the value starting at i, after any blanks, ends. A quoted value ends at
// its closing quote, whichever escape convention it uses (\' in libpq, ”
// or "" in ADO, }} in ODBC braces); an unquoted one at a separator followed
// by another key= or by nothing, so that a password holding a ; or a space
// is hidden whole.
func valueEnd(s string, i int) int {
	if i < len(s) {
		var closer byte
		switch s[i] {
		case '\'', '"':
			closer = s[i]
		case '{':
			closer = '}'
		}
		if closer != 0 {
			i++
			for ; i < len(s); i++ {
				if s[i] == '\\' && closer != '}' {
					i++
					continue
				}
				if s[i] == closer {
					if i+1 < len(s) && s[i+1] == closer {
						i++
						continue
					}
					i++
					break
				}
			}
		}
	}
	for ; i < len(s); i++ {
		if isPairSep(s[i]) && nextIsKey(s, i+1) {
			return i
		}
	}
	return len(s)
}

// nextIsKey reports whether only separators, or a key=, follow i.
func nextIsKey(s string, i int) bool {
	for i < len(s) && isPairSep(s[i]) {
		i++
	}
	if i == len(s) {
		return true
	}
	_, _, ok := matchKey(s, i)
	return ok
}
