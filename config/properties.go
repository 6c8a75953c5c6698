package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
)

// Properties are librdkafka settings. It is a plain map for the code that
// hands it to the client, but prints, logs and marshals with the values of
// secret settings (sasl.password, ssl.key.password, ssl.key.pem, ...)
// replaced by xxxxx, for the same reason DSN does.
type Properties map[string]string

// secretProperty reports whether a librdkafka setting holds a secret. Beyond
// the names that say password, secret or token, ssl.key.pem is a private key
// and sasl.oauthbearer.config may carry a client secret.
func secretProperty(key string) bool {
	switch strings.ToLower(key) {
	case "ssl.key.pem", "sasl.oauthbearer.config":
		return true
	}
	return secretKey(key)
}

// Redacted returns a copy with secret values replaced.
func (p Properties) Redacted() map[string]string {
	if p == nil {
		return nil
	}
	r := make(map[string]string, len(p))
	for k, v := range p {
		if secretProperty(k) {
			v = redacted
		}
		r[k] = v
	}
	return r
}

func (p Properties) String() string { return fmt.Sprint(p.Redacted()) }

// Format redacts under every verb, as DSN.Format does.
func (p Properties) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), p.Redacted())
}

// LogValue logs the properties as a group, in key order, secrets hidden.
func (p Properties) LogValue() slog.Value {
	r := p.Redacted()
	attrs := make([]slog.Attr, 0, len(r))
	for _, k := range slices.Sorted(maps.Keys(r)) {
		attrs = append(attrs, slog.String(k, r[k]))
	}
	return slog.GroupValue(attrs...)
}

func (p Properties) MarshalJSON() ([]byte, error) { return json.Marshal(p.Redacted()) }
func (p Properties) MarshalYAML() (any, error)    { return p.Redacted(), nil }
