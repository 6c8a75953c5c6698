package sql

import (
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// The neutral forms: one form per kind of value, in the change envelope
// whatever database a change came from or goes to. A source dialect turns
// the values of its images into them (Values); a target dialect turns them
// into what it binds or reads (its Target), refusing, with a ValueError, a
// value the column cannot hold exactly; it never rounds or truncates. JSON
// null is SQL NULL for every kind, distinct from the empty string.
//
//	kind         neutral form
//	integer      JSON number within int64
//	decimal      JSON string in plain decimal notation, no exponent, the
//	             source's scale kept ("1.50", "-0.001"); "NaN", "Infinity"
//	             and "-Infinity" only where the source has them
//	float        JSON number, the shortest text that reads back as the same
//	             value of the source's type (float32 or float64), or the
//	             strings "NaN", "Infinity", "-Infinity"
//	bool         true / false
//	text         JSON string, any Unicode (xml travels as text)
//	binary       JSON string, standard base64 with padding
//	date         "YYYY-MM-DD"; a year before 1 in astronomical numbering with
//	             a sign ("-0043-03-15" is 44 BC), a year after 9999 with more
//	             digits; "infinity" and "-infinity" only from PostgreSQL
//	time         "HH:MM:SS" with up to 9 fractional digits as the source has
//	             them; PostgreSQL's timetz adds its offset "+HH:MM"
//	timestamp    "YYYY-MM-DDTHH:MM:SS[.fffffffff]", no zone (a wall clock);
//	             years as for date, and "infinity"/"-infinity"
//	timestamptz  "YYYY-MM-DDTHH:MM:SS[.fffffffff]+HH:MM", an instant with its
//	             offset; a value that carries a zone region (Oracle's TZR)
//	             appends it: "2026-03-29T03:30:00+02:00[Europe/Berlin]"
//	interval     ISO 8601 duration as PostgreSQL's intervalstyle iso_8601
//	             prints it ("P1Y2M3DT4H5M6.5S", components may be negative)
//	uuid         lower case "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
//	json         JSON string holding the JSON text exactly
//	array        JSON array of elements in their kind's form, nested for each
//	             further dimension (PostgreSQL only; an array whose lower
//	             bounds are not all 1 travels as a string, its PostgreSQL
//	             text form with the bounds, "[0:2]={7,8,9}")
//
// The change key (the Kafka message key) is the key columns' values in
// these forms, as a compact JSON object in key order, in one text per row
// whatever the session that wrote it (design.md, trap 6): decimals without
// trailing zeros, a float's zero without its sign, fractional seconds
// without trailing zeros, timestamptz in UTC "+00:00". Package change makes
// the key; a dialect only gives the neutral forms.

// Values turns the values of one dialect's images (the before and after of
// its outbox rows, and the rows its Reader reads) into the neutral forms.
// Package change walks each image and calls it once per value that is not
// JSON null, so it must be cheap and allocate nothing it does not return.
type Values interface {
	// AppendNeutral appends to dst the neutral form of v, the JSON value an
	// image holds for column c (never null). An error says why v does not
	// fit c's kind; dst is then the caller's to discard.
	AppendNeutral(dst []byte, c *Column, v []byte) ([]byte, error)
}

// NeutralOverrides is implemented by Values whose images may start with a
// member that is not a column: an object that gives, for some columns, the
// neutral form itself (a JSON string), where the image's own value cannot
// carry it exactly. PostgreSQL uses it for json columns whose value is a
// JSON null or keeps white space (its member "ferry:json"). No captured
// column may have that name.
type NeutralOverrides interface {
	OverrideMember() string
}

// ValueError is a neutral value that a target column cannot hold exactly,
// or that is not in its kind's neutral form. The change can never apply as
// it is: the applier sends it to the DLQ.
type ValueError struct {
	// Table is "schema.table", Column the column; Key is the row's key, as
	// the key columns' neutral values, when the target knows it.
	Table, Column, Key string
	Err                error
}

func (e *ValueError) Error() string {
	var b strings.Builder
	b.WriteString(e.Table)
	if e.Key != "" {
		b.WriteString(" key ")
		b.WriteString(e.Key)
	}
	fmt.Fprintf(&b, " column %s: %v", e.Column, e.Err)
	return b.String()
}

func (e *ValueError) Unwrap() error { return e.Err }

// IsDecimalText accepts what a decimal's neutral form may hold: a JSON
// number's text, or NaN and the infinities.
func IsDecimalText(s []byte) bool {
	if IsSpecialFloat(s) {
		return true
	}
	// A number starts with '-' or a digit and ends with a digit; checking
	// that keeps out the whitespace IsValid would allow around it.
	return len(s) > 0 && (s[0] == '-' || isDigit(s[0])) && isDigit(s[len(s)-1]) &&
		jsontext.Value(s).Kind() == jsontext.KindNumber && jsontext.Value(s).IsValid()
}

// IsSpecialFloat accepts the strings a float's (or a PostgreSQL
// decimal's) neutral form has for what no JSON number says.
func IsSpecialFloat(s []byte) bool {
	switch string(s) {
	case "NaN", "Infinity", "-Infinity":
		return true
	}
	return false
}
