package postgres

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
)

var errRedacted = errors.New("invalid connection string (not shown: it may hold a password)")

// ident quotes a possibly qualified name: ident("public", "Emp") is "public"."Emp".
func ident(parts ...string) string { return pgx.Identifier(parts).Sanitize() }

// literal quotes a string constant. An E” string reads the same whatever
// standard_conforming_strings says, so it is used when a backslash appears.
func literal(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.Contains(s, `\`) {
		return "E" + strings.ReplaceAll(q, `\`, `\\`)
	}
	return q
}

// textArray is ARRAY['a','b']::pg_catalog.text[].
func textArray(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = literal(s)
	}
	return "ARRAY[" + strings.Join(q, ", ") + "]::pg_catalog.text[]"
}
