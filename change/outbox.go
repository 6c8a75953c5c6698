package change

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// FromRow converts one outbox row into the events the relay produces, with
// the envelope's ts_ms taken from the clock now.
//
// A create or a snapshot read is one event keyed by the after image. An
// update is one event keyed by the after image, unless it changes the key:
// then, as Debezium does for PostgreSQL, it is a delete of the old key, a
// tombstone for the old key and a create of the new key, so that a
// compacted topic forgets the old key and a consumer keyed by the primary
// key never sees one change under two keys. A delete is a delete event and
// a tombstone for its key. A truncate is one event with no key and no
// images, which the relay sends to every partition of the topic; so is a
// heartbeat, which the relay sends to every partition of every topic.
//
// The key is the key columns in one text per row, whatever the session
// that wrote it: a decimal without trailing zeros ("1.50" and "1.5" are one
// value in a unique index), a float without the sign of zero.
//
// Each value of an image is carried in its column's kind's form, which the
// applier's DecodeValue reads back exactly:
//
//   - decimal: a string with the number's exact digits, "NaN", "Infinity"
//     or "-Infinity" (never a float64, which would lose digits);
//   - integer: a JSON integer within int64 (an oid, which the image has
//     as a string, too);
//   - float: the number's exact text, or "NaN", "Infinity", "-Infinity";
//   - binary: base64 (standard alphabet, padded) of the bytes, read from
//     PostgreSQL's hex form "\\x00ff";
//   - json: a string holding the JSON text exactly as the column has it
//     (Debezium's io.debezium.data.Json), "null" for a JSON null; SQL NULL
//     is null. Where the image's value is not the exact text, the image
//     gives it first, in its member sql.JSONTexts;
//   - array: an array of elements in their element kind's form, nested for
//     each further dimension; the elements of a json array (which the
//     PostgreSQL capture refuses) are each one JSON value. An array whose
//     lower bounds are not all 1 arrives as a string, its PostgreSQL text
//     form with the bounds ("[0:2]={7,8,9}");
//   - timestamptz: a string, the same instant in UTC
//     ("2024-06-30T18:29:59.654321+00:00"), whatever offset the image had;
//   - bool, and text, date, time, timestamp, interval, uuid (strings):
//     unchanged.
//
// Columns the table excludes are left out.
//
// NULL stays null; the image's column order is kept. A column the table
// does not list (one added since the registry was read), or one of a kind
// this package does not know, passes through as the image has it. Every
// error is a *ValueError.
func FromRow(t *Table, r Row) ([]Event, error) { return FromRowAt(t, r, time.Now()) }

// FromRowAt is FromRow with the envelope's ts_ms taken from now, for tests
// and for a relay that stamps a batch with one time.
func FromRowAt(t *Table, r Row, now time.Time) ([]Event, error) {
	c := convPool.Get().(*conv)
	defer c.release()
	c.t, c.seq = t, r.Seq
	if len(t.Key) == 0 {
		return nil, c.fail("", "", errors.New("the table has no key columns"))
	}
	tsMs := now.UnixMilli()

	var before, after imageSpan
	var err error
	switch r.Op {
	case OpCreate, OpRead:
		if after, err = c.image(r.After, "after", r.Op); err != nil {
			return nil, err
		}
	case OpUpdate:
		if before, err = c.image(r.Before, "before", r.Op); err != nil {
			return nil, err
		}
		if after, err = c.image(r.After, "after", r.Op); err != nil {
			return nil, err
		}
	case OpDelete:
		if before, err = c.image(r.Before, "before", r.Op); err != nil {
			return nil, err
		}
	case OpTruncate, OpHeartbeat:
	default:
		return nil, c.fail("", "", fmt.Errorf("op %q is not one of c, u, d, r, t, h", string(r.Op)))
	}
	srcStart := len(c.buf)
	c.buf = appendSource(c.buf, t, &r)
	src := c.buf[srcStart:]
	bImg, bKey := before.slices(c.buf)
	aImg, aKey := after.slices(c.buf)

	ev := func(op Op, key, value []byte) Event {
		return Event{Source: t.Source, DB: t.DB, Schema: t.Schema, Table: t.Name, Op: op,
			Key: key, Value: value, TxID: r.TxID, Seq: r.Seq, TsMs: tsMs}
	}
	switch {
	case r.Op == OpTruncate || r.Op == OpHeartbeat:
		out := make([]byte, 0, envelopeSize+len(src))
		return []Event{ev(r.Op, nil, appendEnvelope(out, nil, nil, src, r.Op, tsMs))}, nil
	case r.Op == OpDelete:
		out := make([]byte, 0, len(bKey)+envelopeSize+len(bImg)+len(src))
		out = append(out, bKey...)
		key := out[:len(bKey):len(bKey)]
		out = appendEnvelope(out, bImg, nil, src, OpDelete, tsMs)
		value := out[len(key):]
		return []Event{ev(OpDelete, key, value), ev(OpDelete, key, nil)}, nil
	case r.Op == OpUpdate && string(bKey) != string(aKey):
		out := make([]byte, 0, len(bKey)+len(aKey)+2*(envelopeSize+len(src))+len(bImg)+len(aImg))
		out = append(out, bKey...)
		oldKey := out[:len(out):len(out)]
		out = appendEnvelope(out, bImg, nil, src, OpDelete, tsMs)
		deleted := out[len(oldKey):len(out):len(out)]
		n := len(out)
		out = append(out, aKey...)
		newKey := out[n:len(out):len(out)]
		n = len(out)
		out = appendEnvelope(out, nil, aImg, src, OpCreate, tsMs)
		created := out[n:]
		return []Event{ev(OpDelete, oldKey, deleted), ev(OpDelete, oldKey, nil), ev(OpCreate, newKey, created)}, nil
	default:
		out := make([]byte, 0, len(aKey)+envelopeSize+len(bImg)+len(aImg)+len(src))
		out = append(out, aKey...)
		key := out[:len(aKey):len(aKey)]
		if r.Op == OpUpdate {
			out = appendEnvelope(out, bImg, aImg, src, r.Op, tsMs)
		} else {
			out = appendEnvelope(out, nil, aImg, src, r.Op, tsMs)
		}
		return []Event{ev(r.Op, key, out[len(key):])}, nil
	}
}

// conv holds one conversion's scratch space; pooled, so that a row costs
// only the allocations it hands back.
type conv struct {
	t   *Table
	seq int64
	// buf holds the normalised images, their keys and the source member.
	buf  []byte
	rd   reader // reads the image at hand
	tmp  []byte // a value's decoded text
	bin  []byte // a binary value's bytes
	name []byte // a column name's decoded text
	// seen marks the table's columns met in the current image; unknown
	// and unknownEnds hold the names of columns the table does not list.
	seen        []uint64
	unknown     []byte
	unknownEnds []int
	keys        []keySpan
	// Images of a table list columns in one order, the table's or jsonb's
	// (when columns are excluded): order is the column index of each field
	// of the last image of orderOf, which predicts the next image's; next
	// is where a search starts when the prediction fails.
	order, found []int
	orderOf      *Table
	next         int
	// texts are the exact texts of json columns, quoted, that an image
	// gives in its first member (sql.JSONTexts); nil for most images.
	texts map[string][]byte
}

var convPool = sync.Pool{New: func() any { return new(conv) }}

// maxPooled keeps a rare huge row from pinning its buffers in the pool.
const maxPooled = 1 << 20

func (c *conv) release() {
	if cap(c.buf) > maxPooled || cap(c.tmp) > maxPooled || cap(c.bin) > maxPooled {
		return
	}
	c.t = nil
	c.buf = c.buf[:0]
	// c.rd still reads the last image: that keeps alive no more than
	// c.buf, which holds its normalised form, does.
	convPool.Put(c)
}

func (c *conv) fail(key, column string, err error) *ValueError {
	return &ValueError{Source: c.t.Source, Schema: c.t.Schema, Table: c.t.Name,
		Key: key, Column: column, Seq: c.seq, Err: err}
}

type keyState uint8

const (
	keyMissing keyState = iota
	keyPresent
	keyNull
	keyBad
)

type keySpan struct {
	start, end int
	state      keyState
	kind       fsql.Kind
}

// imageSpan is where an image and its key are in conv.buf.
type imageSpan struct{ start, end, keyStart, keyEnd int }

func (s imageSpan) slices(buf []byte) (image, key []byte) {
	if s.end == 0 {
		return nil, nil
	}
	return buf[s.start:s.end], buf[s.keyStart:s.keyEnd]
}

// image appends the normalised image and then its key to c.buf.
func (c *conv) image(img []byte, which string, op Op) (imageSpan, error) {
	t := c.t
	if img == nil {
		return imageSpan{}, c.fail("", "", fmt.Errorf("%s has no %s image", opName(op), which))
	}
	c.next = 0
	c.found = c.found[:0]
	words := (len(t.Columns) + 63) / 64
	if cap(c.seen) < words {
		c.seen = make([]uint64, words)
	}
	c.seen = c.seen[:words]
	clear(c.seen)
	c.unknown, c.unknownEnds = c.unknown[:0], c.unknownEnds[:0]
	c.texts = nil
	if cap(c.keys) < len(t.Key) {
		c.keys = make([]keySpan, len(t.Key))
	}
	c.keys = c.keys[:len(t.Key)]
	clear(c.keys)

	var fit error
	var fitCol string
	syntax := func(col string, err error) error {
		return c.fail("", col, fmt.Errorf("%s image is not valid JSON: %w", which, err))
	}

	r := &c.rd
	r.reset(img)
	if r.dec.PeekKind() != jsontext.KindBeginObject {
		return imageSpan{}, c.fail("", "", fmt.Errorf("%s image is not a JSON object", which))
	}
	if err := r.delim(); err != nil {
		return imageSpan{}, syntax("", err)
	}
	start := len(c.buf)
	c.buf = append(c.buf, '{')
	written := 0
	for n := 0; ; n++ {
		rawName, err := r.name()
		if err != nil {
			return imageSpan{}, syntax("", err)
		}
		if rawName == nil {
			break
		}
		// The name is kept in c.name: rawName is valid only until the
		// next read.
		if bytes.IndexByte(rawName, '\\') >= 0 {
			c.name = appendUnquoted(c.name[:0], rawName)
		} else {
			c.name = append(c.name[:0], rawName[1:len(rawName)-1]...)
		}
		name := c.name
		col := c.column(name, n)
		if n == 0 && string(name) == fsql.JSONTexts {
			if err := c.readTexts(); err != nil {
				return imageSpan{}, syntax(fsql.JSONTexts, err)
			}
			continue
		}
		if len(t.Exclude) > 0 && slices.Contains(t.Exclude, string(name)) {
			// An excluded column the trigger blanked: it never leaves the
			// source, not even as a null.
			if _, err := r.value(); err != nil {
				return imageSpan{}, syntax(string(name), err)
			}
			continue
		}
		if written > 0 {
			c.buf = append(c.buf, ',')
		}
		written++
		c.buf = append(c.buf, rawName...)
		c.buf = append(c.buf, ':')

		var kind, elem fsql.Kind
		if col >= 0 {
			if c.seen[col/64]&(1<<(col%64)) != 0 {
				return imageSpan{}, c.fail("", string(name), fmt.Errorf("column appears twice in the %s image", which))
			}
			c.seen[col/64] |= 1 << (col % 64)
			kind, elem = t.Columns[col].Kind, t.Columns[col].Elem
		} else if c.seenUnknown(name) {
			return imageSpan{}, c.fail("", string(name), fmt.Errorf("column appears twice in the %s image", which))
		}

		vstart := len(c.buf)
		if text, ok := c.texts[string(name)]; ok && kind == fsql.KindJSON {
			// The image's value is not exact; the exact text came first.
			_, err = r.value()
			c.buf = append(c.buf, text...)
		} else {
			c.buf, err = c.value(c.buf, kind, elem)
		}
		state := keyPresent
		if err != nil {
			fe, ok := err.(*fitError)
			if !ok {
				return imageSpan{}, syntax(string(name), err)
			}
			if fit == nil {
				fit, fitCol = fe, string(name)
			}
			state = keyBad
		} else if c.buf[vstart] == 'n' {
			state = keyNull
		}
		for k, key := range t.Key {
			if key == string(name) {
				c.keys[k] = keySpan{vstart, len(c.buf), state, kind}
			}
		}
	}
	if err := r.end(); err != nil {
		return imageSpan{}, syntax("", err)
	}
	c.buf = append(c.buf, '}')
	c.order, c.found, c.orderOf = c.found, c.order, t
	span := imageSpan{start: start, end: len(c.buf), keyStart: len(c.buf)}

	for k, key := range t.Key {
		switch c.keys[k].state {
		case keyMissing:
			return imageSpan{}, c.fail("", key, fmt.Errorf("key column is missing from the %s image", which))
		case keyNull:
			return imageSpan{}, c.fail("", key, fmt.Errorf("key column is null in the %s image", which))
		case keyBad:
			return imageSpan{}, c.fail("", fitCol, fit)
		}
	}
	c.buf = append(c.buf, '{')
	for k, key := range t.Key {
		if k > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = appendQuoted(c.buf, validUTF8(key))
		c.buf = append(c.buf, ':')
		c.buf = appendKeyValue(c.buf, c.buf[c.keys[k].start:c.keys[k].end], c.keys[k].kind)
	}
	c.buf = append(c.buf, '}')
	span.keyEnd = len(c.buf)
	if fit != nil {
		return imageSpan{}, c.fail(string(c.buf[span.keyStart:span.keyEnd]), fitCol, fit)
	}
	return span, nil
}

func opName(op Op) string {
	switch op {
	case OpCreate:
		return "create"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	case OpRead:
		return "snapshot read"
	}
	return "op " + string(op)
}

// column finds the table's column of the image's nth field by name, or -1.
func (c *conv) column(name []byte, n int) int {
	cols := c.t.Columns
	if c.orderOf == c.t && n < len(c.order) {
		if k := c.order[n]; k >= 0 && k < len(cols) && cols[k].Name == string(name) {
			c.found = append(c.found, k)
			return k
		}
	}
	k := -1
	for j := range cols {
		i := c.next + j
		if i >= len(cols) {
			i -= len(cols)
		}
		if cols[i].Name == string(name) {
			c.next, k = i+1, i
			break
		}
	}
	c.found = append(c.found, k)
	return k
}

// seenUnknown records an unlisted column's name and says whether it was
// met before in this image.
func (c *conv) seenUnknown(name []byte) bool {
	start := 0
	for _, end := range c.unknownEnds {
		if string(c.unknown[start:end]) == string(name) {
			return true
		}
		start = end
	}
	c.unknown = append(c.unknown, name...)
	c.unknownEnds = append(c.unknownEnds, len(c.unknown))
	return false
}

// value reads the next value and appends its normalised form to dst. A
// *fitError leaves the reading in step; any other error is a syntax error.
func (c *conv) value(dst []byte, kind, elem fsql.Kind) ([]byte, error) {
	r := &c.rd
	if kind == fsql.KindArray && r.dec.PeekKind() == jsontext.KindBeginArray {
		return c.array(dst, elem)
	}
	v, err := r.value()
	if err != nil {
		return dst, err
	}
	k := v.Kind()
	if k == jsontext.KindNull {
		return append(dst, "null"...), nil
	}
	switch kind {
	case fsql.KindInteger:
		if k == jsontext.KindString && len(v) > 2 && isInteger(v[1:len(v)-1]) {
			v = v[1 : len(v)-1] // oid: row_to_json writes it as a string
		}
		dst = append(dst, v...)
		if !isInteger(v) {
			return dst, notFit(v, string(kind))
		}
		return dst, nil

	case fsql.KindDecimal:
		switch k {
		case jsontext.KindNumber:
			dst = append(dst, '"')
			dst = append(dst, v...)
			return append(dst, '"'), nil
		case jsontext.KindString:
			return c.special(dst, v, kind, isDecimalText)
		}

	case fsql.KindFloat:
		switch k {
		case jsontext.KindNumber:
			dst = append(dst, v...)
			if _, err := strconv.ParseFloat(string(v), 64); err != nil {
				return dst, notFit(v, string(kind))
			}
			return dst, nil
		case jsontext.KindString:
			return c.special(dst, v, kind, isSpecialFloat)
		}

	case fsql.KindBinary:
		if k == jsontext.KindString {
			return c.binary(dst, v)
		}

	case fsql.KindJSON:
		return appendQuoted(dst, v), nil

	case fsql.KindBool:
		if k == jsontext.KindTrue || k == jsontext.KindFalse {
			return append(dst, v...), nil
		}

	case fsql.KindTimestampTZ:
		if k != jsontext.KindString {
			break
		}
		s := v[1 : len(v)-1]
		if bytes.IndexByte(s, '\\') >= 0 {
			c.tmp = appendUnquoted(c.tmp[:0], v)
			s = c.tmp
		}
		if string(s) == "infinity" || string(s) == "-infinity" {
			return append(dst, v...), nil
		}
		n := len(dst)
		dst = append(dst, '"')
		dst, ok := appendUTC(dst, s)
		if !ok {
			return append(dst[:n], v...), notFit(v, string(kind))
		}
		return append(dst, '"'), nil

	case fsql.KindText, fsql.KindDate, fsql.KindTime, fsql.KindTimestamp,
		fsql.KindInterval, fsql.KindUUID:
		if k == jsontext.KindString {
			return append(dst, v...), nil
		}

	case fsql.KindArray:
		// Not a JSON array: an array whose bounds do not start at 1, which
		// the trigger writes as its text form, bounds included.
		if k == jsontext.KindString {
			return append(dst, v...), nil
		}

	default:
		return append(dst, v...), nil
	}
	// A value of the wrong JSON type for kind.
	return append(dst, v...), notFit(v, string(kind))
}

// special appends the string value v if ok accepts its text.
func (c *conv) special(dst, v []byte, kind fsql.Kind, ok func([]byte) bool) ([]byte, error) {
	if bytes.IndexByte(v, '\\') < 0 {
		dst = append(dst, v...)
		if !ok(v[1 : len(v)-1]) {
			return dst, notFit(v, string(kind))
		}
		return dst, nil
	}
	c.tmp = appendUnquoted(c.tmp[:0], v)
	if !ok(c.tmp) {
		return append(dst, v...), notFit(v, string(kind))
	}
	return appendQuoted(dst, c.tmp), nil
}

// binary appends the base64 form of the string value v, a bytea value in
// PostgreSQL's hex output form, "\\x" and two hex digits a byte.
func (c *conv) binary(dst, v []byte) ([]byte, error) {
	var digits []byte
	if len(v) >= 5 && string(v[:4]) == `"\\x` && bytes.IndexByte(v[4:], '\\') < 0 {
		digits = v[4 : len(v)-1] // the usual text: only the leading backslash is escaped
	} else {
		c.tmp = appendUnquoted(c.tmp[:0], v)
		if len(c.tmp) < 2 || c.tmp[0] != '\\' || c.tmp[1] != 'x' {
			return append(dst, v...), notFit(v, "binary")
		}
		digits = c.tmp[2:]
	}
	var err error
	if c.bin, err = hex.AppendDecode(c.bin[:0], digits); err != nil {
		return append(dst, v...), notFit(v, "binary")
	}
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, c.bin)
	return append(dst, '"'), nil
}

// array reads an array, whose '[' is next, and appends it with its
// elements normalised by their kind; a nested array is a further
// dimension, except in a json array, where each element is one JSON value.
func (c *conv) array(dst []byte, elem fsql.Kind) ([]byte, error) {
	r := &c.rd
	if err := r.delim(); err != nil {
		return dst, err
	}
	dst = append(dst, '[')
	var fit error
	for n := 0; ; n++ {
		k := r.dec.PeekKind()
		if k == jsontext.KindEndArray {
			if err := r.delim(); err != nil {
				return dst, err
			}
			return append(dst, ']'), fit
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		var err error
		if k == jsontext.KindBeginArray && elem != fsql.KindJSON {
			dst, err = c.array(dst, elem)
		} else {
			dst, err = c.value(dst, elem, "")
		}
		if err != nil {
			if _, ok := err.(*fitError); !ok {
				return dst, err
			}
			if fit == nil {
				fit = err
			}
		}
	}
}

// readTexts reads the object of exact json texts that an image may start
// with, whose '{' is next.
func (c *conv) readTexts() error {
	r := &c.rd
	if r.dec.PeekKind() != jsontext.KindBeginObject {
		return errors.New("not an object")
	}
	if err := r.delim(); err != nil {
		return err
	}
	c.texts = map[string][]byte{}
	for {
		name, err := r.name()
		if err != nil {
			return err
		}
		if name == nil {
			return nil
		}
		key := string(appendUnquoted(nil, name))
		v, err := r.value()
		if err != nil {
			return err
		}
		if v.Kind() != jsontext.KindString {
			return fmt.Errorf("the text of %s is not a string", key)
		}
		c.texts[key] = appendQuoted(nil, appendUnquoted(nil, v))
	}
}

// isDecimalText accepts what a decimal string may hold: a JSON number's
// text, or NaN and the infinities.
func isDecimalText(s []byte) bool {
	if isSpecialFloat(s) {
		return true
	}
	// A number starts with '-' or a digit and ends with a digit; checking
	// that keeps out the whitespace IsValid would allow around it.
	return len(s) > 0 && (s[0] == '-' || isDigit(s[0])) && isDigit(s[len(s)-1]) &&
		jsontext.Value(s).Kind() == jsontext.KindNumber && jsontext.Value(s).IsValid()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isInteger accepts a JSON integer within int64.
func isInteger(s []byte) bool {
	_, err := strconv.ParseInt(string(s), 10, 64)
	return err == nil && (s[0] == '-' || isDigit(s[0]))
}

func isSpecialFloat(s []byte) bool {
	switch string(s) {
	case "NaN", "Infinity", "-Infinity":
		return true
	}
	return false
}
