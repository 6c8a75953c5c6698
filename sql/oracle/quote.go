package oracle

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxIdent is Oracle's limit on a name, in bytes (12.2 and later with
// COMPATIBLE at 12.2 or more; older releases allow 30).
const maxIdent = 128

// errRedacted replaces the driver's parse errors, which can quote the DSN.
var errRedacted = errors.New("invalid connection string (not shown: it may hold a password)")

// CheckName says why name cannot be an Oracle identifier: empty, longer
// than 128 bytes, or holding a double quote or NUL, which no Oracle name
// can contain, quoted or not (SQL Language Reference, "Database Object
// Naming Rules"), or control characters, which Oracle allows in a quoted
// name but which would end a comment line in generated SQL. Such a name can
// only come from a config mistake or an attempt at injection, so it is
// refused rather than escaped.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case len(name) > maxIdent:
		return fmt.Errorf("name %q is %d bytes long; Oracle allows %d", name, len(name), maxIdent)
	case strings.ContainsAny(name, "\"\x00"):
		return fmt.Errorf("name %q contains a double quote or NUL, which no Oracle name can hold", name)
	case strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return fmt.Errorf("name %q contains a control character; Ferry does not capture such names", name)
	case !utf8.ValidString(name):
		return fmt.Errorf("name %q is not valid UTF-8", name)
	}
	return nil
}

// Fold turns a name as the config writes it into the name Oracle stores:
// a name in double quotes is taken exactly (without the quotes), any other
// is upper-cased, as Oracle does with an unquoted identifier. So `emp`,
// `EMP` and `Emp` all mean EMP, and `"Emp"` means the mixed-case Emp.
func Fold(name string) string {
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		return name[1 : len(name)-1]
	}
	return strings.ToUpper(name)
}

// FoldChecked is Fold followed by CheckName.
func FoldChecked(name string) (string, error) {
	f := Fold(name)
	if err := CheckName(f); err != nil {
		return "", err
	}
	return f, nil
}

// ident quotes a possibly qualified name: ident("HR", "Emp") is "HR"."Emp".
// Names are taken exactly (callers fold config names first). A double
// quote is doubled, so that even a name CheckName would refuse stays one
// token; Oracle then rejects it as an invalid name instead of running
// anything it carried.
func ident(parts ...string) string {
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = `"` + strings.ReplaceAll(strings.ReplaceAll(p, "\x00", ""), `"`, `""`) + `"`
	}
	return strings.Join(q, ".")
}

// literal quotes a string constant: quotes doubled, NUL dropped. A PL/SQL
// or SQL string literal holds at most 4000 bytes (32767 inside PL/SQL);
// callers keep literals short or use clobLiteral.
func literal(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, "\x00", ""), "'", "''") + "'"
}

// clobLiteral writes a string of any length as a CLOB expression: pieces of
// at most 1000 characters (at most 4000 bytes in AL32UTF8), each a literal
// within SQL's 4000-byte limit, joined with TO_CLOB(...) || ....
func clobLiteral(s string) string {
	if s == "" {
		return "TO_CLOB(NULL)"
	}
	var parts []string
	for len(s) > 0 {
		n, chars := 0, 0
		for n < len(s) && chars < 1000 {
			_, size := utf8.DecodeRuneInString(s[n:])
			n += size
			chars++
		}
		parts = append(parts, "TO_CLOB("+literal(s[:n])+")")
		s = s[n:]
	}
	return strings.Join(parts, " || ")
}
