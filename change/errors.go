package change

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ValueError is an outbox row that FromRow cannot turn into events: a value
// that does not fit its column's kind (a fraction or an out-of-range number
// in an integer column, bytea that is not hex), an image that is not a JSON
// object or not valid JSON, a key column missing from an image or NULL in
// it, a column twice in one image, an op without the image it needs. The
// row can never convert as it is; retrying does not help.
//
// Its message names where the row came from, for example
//
//	change seq 42 of hq public.emp key {"id":7} column salary: value 1e999999 does not fit integer
type ValueError struct {
	Source, Schema, Table string
	// Key is the row's key as the event key would carry it, or "" when the
	// key could not be built.
	Key string
	// Column is the column at fault, or "" when the fault is the whole row.
	Column string
	Seq    int64
	Err    error
}

func (e *ValueError) Error() string {
	var b strings.Builder
	b.WriteString("change seq ")
	b.WriteString(strconv.FormatInt(e.Seq, 10))
	b.WriteString(" of ")
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteByte(' ')
	}
	b.WriteString(e.Schema)
	b.WriteByte('.')
	b.WriteString(e.Table)
	if e.Key != "" {
		b.WriteString(" key ")
		b.WriteString(e.Key)
	}
	if e.Column != "" {
		b.WriteString(" column ")
		b.WriteString(e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ValueError) Unwrap() error { return e.Err }

// fitError is a value that does not fit its kind. Unlike a syntax error
// the reading goes on past it, so that the row's key can still be reported.
type fitError struct{ msg string }

func (e *fitError) Error() string { return e.msg }

// maxShown bounds how much of a value an error message quotes.
const maxShown = 64

func notFit(raw []byte, kind string) *fitError {
	return &fitError{"value " + shown(raw) + " does not fit " + kind}
}

func shown(raw []byte) string {
	if len(raw) <= maxShown {
		return string(raw)
	}
	n := maxShown
	for n > 0 && !utf8.RuneStart(raw[n]) {
		n--
	}
	return string(raw[:n]) + "…"
}
