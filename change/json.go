package change

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// The images are read with jsontext's Decoder rather than unmarshalled: the
// relay needs each value's exact text, in the image's order, and jsontext
// hands out raw values without building Go values. It accepts exactly RFC
// 8259 JSON in valid UTF-8, with these options:
//
//   - duplicate names are allowed: PostgreSQL's json type keeps them, and
//     row_to_json passes a json value on as it is stored; FromRow reports a
//     column that appears twice in an image itself;
//   - invalid UTF-8 is "allowed" only so that the escape of an unpaired
//     surrogate ("\ud800"), which the json type keeps as well, is not
//     refused: reader refuses raw invalid UTF-8 bytes itself.
var readOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// reader reads one JSON document held in memory. The Decoder reads a
// bytes.Buffer in place, without copying the document.
type reader struct {
	doc []byte
	// utf8 is whether doc is valid UTF-8 (one pass over the whole is
	// faster than one a value).
	utf8 bool
	src  bytes.Buffer
	dec  jsontext.Decoder
}

func (r *reader) reset(doc []byte) {
	r.doc = doc
	r.utf8 = utf8.Valid(doc)
	r.src = *bytes.NewBuffer(doc)
	r.dec.Reset(&r.src, readOptions...)
}

// value reads the next value, or object member name, whole.
func (r *reader) value() (jsontext.Value, error) {
	v, err := r.dec.ReadValue()
	if err != nil {
		return nil, r.syntax(err)
	}
	if !r.utf8 && !utf8.Valid(v) {
		return nil, r.invalidUTF8(v, r.dec.InputOffset())
	}
	return v, nil
}

// name reads the next object member's name, or the end of the object,
// where it returns nil.
func (r *reader) name() ([]byte, error) {
	from := r.dec.InputOffset()
	tok, err := r.dec.ReadToken()
	if err != nil {
		return nil, r.syntax(err)
	}
	if tok.Kind() == jsontext.KindEndObject {
		return nil, nil
	}
	// ReadToken gives no raw text, but the name is the last token: it
	// ends at the offset, and from the previous one to it are only
	// whitespace and a comma.
	to := r.dec.InputOffset()
	raw := r.doc[from:to]
	for raw[0] != '"' {
		raw = raw[1:]
	}
	if !r.utf8 && !utf8.Valid(raw) {
		return nil, r.invalidUTF8(raw, to)
	}
	return raw, nil
}

// invalidUTF8 reports the first invalid byte of v, which ends at end.
func (r *reader) invalidUTF8(v []byte, end int64) error {
	i := 0
	for i < len(v) {
		c, size := utf8.DecodeRune(v[i:])
		if c == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	return &syntaxError{msg: "invalid UTF-8", off: end - int64(len(v)) + int64(i)}
}

// delim reads the delimiter PeekKind announced; it fails only beyond the
// nesting limit.
func (r *reader) delim() error {
	if _, err := r.dec.ReadToken(); err != nil {
		return r.syntax(err)
	}
	return nil
}

// end checks that only whitespace follows the top-level value. (The Decoder
// reads a stream of values, so it does not.)
func (r *reader) end() error {
	rest := bytes.TrimLeft(r.doc[r.dec.InputOffset():], " \t\r\n")
	if len(rest) == 0 {
		return nil
	}
	return &syntaxError{msg: fmt.Sprintf("invalid character %q after top-level value", rest[0]), off: int64(len(r.doc) - len(rest))}
}

// syntaxError is JSON that does not parse; it stops the conversion. Its
// message is the Decoder's, without its location within the document,
// which the error that wraps it names as a column, and with the offset.
type syntaxError struct {
	msg string
	off int64
	err error // the Decoder's *jsontext.SyntacticError, if any
}

func (e *syntaxError) Error() string { return e.msg + " at byte " + strconv.FormatInt(e.off, 10) }

func (e *syntaxError) Unwrap() error { return e.err }

func (r *reader) syntax(err error) error {
	var se *jsontext.SyntacticError
	switch {
	case errors.As(err, &se):
		msg := "syntax error"
		if se.Err != nil {
			msg = se.Err.Error()
		}
		return &syntaxError{msg: msg, off: se.ByteOffset, err: se}
	case err == io.EOF: // no value at all
		return &syntaxError{msg: io.ErrUnexpectedEOF.Error(), off: int64(len(r.doc)), err: io.ErrUnexpectedEOF}
	}
	return err
}

// appendUnquoted appends the content of the valid JSON string s (quotes
// included) to dst. The escape of an unpaired surrogate becomes U+FFFD, as
// in encoding/json; that is the only error AppendUnquote can report here.
func appendUnquoted(dst, s []byte) []byte {
	dst, _ = jsontext.AppendUnquote(dst, s)
	return dst
}

// appendQuoted appends s as a JSON string in the one form Ferry writes,
// which is also PostgreSQL's and RFC 8785's: only '"', '\\' and control
// characters are escaped. s must be valid UTF-8 (AppendQuote would
// replace invalid bytes with U+FFFD and report it).
func appendQuoted[T ~string | ~[]byte](dst []byte, s T) []byte {
	dst, _ = jsontext.AppendQuote(dst, s)
	return dst
}

// appendCanonical appends the valid JSON value v without insignificant
// space and with every string in appendQuoted's form, so that equal values
// give equal bytes. Numbers keep their text and members their order.
func appendCanonical(dst, v []byte) []byte {
	if !bytes.ContainsAny(v, " \t\r\n\\") {
		// No whitespace and no escapes: v is already in that form.
		return append(dst, v...)
	}
	dst, _ = jsontext.AppendFormat(dst, v, readOptions...)
	return dst
}
