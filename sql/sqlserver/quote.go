package sqlserver

import (
	"encoding/json"
	"strings"
)

// ident quotes a possibly qualified name in brackets, doubling every "]":
// ident("dbo", "Emp") is [dbo].[Emp]. A bracketed name may hold any
// character, so nothing in it can end the name early.
func ident(parts ...string) string {
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = "[" + strings.ReplaceAll(p, "]", "]]") + "]"
	}
	return strings.Join(q, ".")
}

// literal quotes a Unicode string constant, N'...' with "'" doubled. NUL is
// dropped: a name cannot hold it and a literal that did would end early in
// some clients.
func literal(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	return "N'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// jsonName is a column name as a JSON object key, quoted and escaped for
// JSON, without HTML escaping (the images are read by JSON parsers only).
func jsonName(name string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(name) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
