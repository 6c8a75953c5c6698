package oracle

import (
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Image expressions: the SQL that renders one column's value in an outbox
// image. Each form is fixed whatever the writing session's NLS settings
// (design.md, trap 6): numbers through TO_CHAR 'TM9' with explicit
// NLS_NUMERIC_CHARACTERS, dates through EXTRACT (the stored fields, never
// the session's NLS_CALENDAR) and time-of-day format elements, which have
// no language; instants through SYS_EXTRACT_UTC, so the session's time zone
// does not enter; binary floats as their IEEE bits. Values turns these into
// the neutral forms.

// nlsNumeric pins the decimal point for TO_CHAR.
const nlsNumeric = `'NLS_NUMERIC_CHARACTERS=''.,'''`

// ymd writes "Y-M-D" from EXTRACT of a date or timestamp expression.
func ymd(ref string) string {
	return "TO_CHAR(EXTRACT(YEAR FROM " + ref + ")) || '-' || TO_CHAR(EXTRACT(MONTH FROM " + ref +
		")) || '-' || TO_CHAR(EXTRACT(DAY FROM " + ref + "))"
}

// notNull keeps a concatenation from turning NULL into text.
func notNull(ref, expr string) string {
	return "CASE WHEN " + ref + " IS NOT NULL THEN " + expr + " END"
}

// imageValue is the JSON_OBJECT entry value for column c read through ref
// (:NEW."X", :OLD."X" or an alias's column). Every number travels as a
// string, integers too: Values makes integers JSON numbers again.
func imageValue(c fsql.Column, ref, captureSchema string) string {
	t := parseType(c.Type)
	switch t.Base {
	case "NUMBER", "FLOAT":
		return "TO_CHAR(" + ref + ", 'TM9', " + nlsNumeric + ")"
	case "BINARY_FLOAT":
		return "RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(" + ref + "))"
	case "BINARY_DOUBLE":
		return "RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(" + ref + "))"
	case "DATE":
		return notNull(ref, ymd(ref)+" || TO_CHAR("+ref+", '\"T\"HH24:MI:SS')")
	case "TIMESTAMP":
		return notNull(ref, ymd(ref)+" || TO_CHAR("+ref+", '\"T\"HH24:MI:SS.FF9')")
	case "TIMESTAMP WITH TIME ZONE":
		utc := "SYS_EXTRACT_UTC(" + ref + ")"
		return notNull(ref, ymd(utc)+" || TO_CHAR("+utc+", '\"T\"HH24:MI:SS.FF9') || TO_CHAR("+ref+", '\" \"TZH:TZM\" \"TZR')")
	case "TIMESTAMP WITH LOCAL TIME ZONE":
		utc := "SYS_EXTRACT_UTC(CAST(" + ref + " AS TIMESTAMP WITH TIME ZONE))"
		return notNull(ref, ymd(utc)+" || TO_CHAR("+utc+", '\"T\"HH24:MI:SS.FF9') || ' +00:00 +00:00'")
	case "INTERVAL YEAR TO MONTH":
		return notNull(ref, "'P' || TO_CHAR(EXTRACT(YEAR FROM "+ref+")) || 'Y' || TO_CHAR(EXTRACT(MONTH FROM "+ref+")) || 'M'")
	case "INTERVAL DAY TO SECOND":
		return notNull(ref, "'P' || TO_CHAR(EXTRACT(DAY FROM "+ref+")) || 'DT' || TO_CHAR(EXTRACT(HOUR FROM "+ref+
			")) || 'H' || TO_CHAR(EXTRACT(MINUTE FROM "+ref+")) || 'M' || TO_CHAR(EXTRACT(SECOND FROM "+ref+
			"), 'TM9', "+nlsNumeric+") || 'S'")
	case "BLOB":
		return ident(captureSchema, "BASE64") + "(" + ref + ")"
	case "RAW":
		return ident(captureSchema, "BASE64") + "(TO_BLOB(" + ref + "))"
	}
	// VARCHAR2, NVARCHAR2, CHAR, NCHAR, CLOB, NCLOB, BOOLEAN: JSON_OBJECT's own
	// string (or boolean) rendering is exact. A JSON column's value is
	// embedded as JSON, which Values wraps into the neutral JSON string.
	return ref
}

// imageObject is the JSON_OBJECT of cols, each value written by value.
func imageObject(cols []fsql.Column, value func(fsql.Column) string, indent string) string {
	entries := make([]string, len(cols))
	for i, c := range cols {
		entries[i] = "KEY " + literal(c.Name) + " VALUE " + value(c)
	}
	return "JSON_OBJECT(\n" + indent + "  " + strings.Join(entries, ",\n"+indent+"  ") +
		"\n" + indent + "  NULL ON NULL RETURNING CLOB)"
}

// triggerValues writes each column as the capture trigger does, read
// through ref (:NEW."X", :OLD."X").
func triggerValues(ref func(string) string, captureSchema string) func(fsql.Column) string {
	return func(c fsql.Column) string { return imageValue(c, ref(c.Name), captureSchema) }
}

// keyPart is a PL/SQL expression that writes one key column's value as
// text that is equal for two values exactly when the values are equal (the
// same instant for time zones), for pairing the rows of a statement that
// moves keys. It is compared within one statement of one session, so the
// session's settings cannot make two sides differ.
func keyPart(c fsql.Column, ref string) string {
	t := parseType(c.Type)
	var e string
	switch t.Base {
	case "NUMBER", "FLOAT":
		e = "TO_CHAR(" + ref + ", 'TM9', " + nlsNumeric + ")"
	case "BINARY_FLOAT":
		e = "RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(" + ref + "))"
	case "BINARY_DOUBLE":
		e = "RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(" + ref + "))"
	case "DATE":
		e = "TO_CHAR(" + ref + ", 'J SSSSS')"
	case "TIMESTAMP":
		e = "TO_CHAR(" + ref + ", 'J SSSSS FF9')"
	case "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE":
		e = "TO_CHAR(SYS_EXTRACT_UTC(" + ref + "), 'J SSSSS FF9')"
	case "INTERVAL YEAR TO MONTH", "INTERVAL DAY TO SECOND":
		e = "TO_CHAR(" + ref + ")"
	case "NVARCHAR2", "NCHAR":
		e = "RAWTOHEX(UTL_I18N.STRING_TO_RAW(" + ref + ", 'AL32UTF8'))"
	case "RAW":
		e = "RAWTOHEX(" + ref + ")"
	case "BOOLEAN":
		e = "CASE WHEN " + ref + " THEN 'T' ELSE 'F' END"
	default: // VARCHAR2, CHAR: length-prefixed, so that the parts cannot run together
		e = "TO_CHAR(LENGTH(" + ref + ")) || ':' || " + ref
	}
	return "CASE WHEN " + ref + " IS NULL THEN '~' ELSE '=' || " + e + " END"
}

// keyText joins keyPart for every key column.
func keyText(key []fsql.Column, ref func(string) string) string {
	parts := make([]string, len(key))
	for i, c := range key {
		parts[i] = keyPart(c, ref(c.Name))
	}
	return strings.Join(parts, " || ',' || ")
}
