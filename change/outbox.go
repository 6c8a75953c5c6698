package change

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
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
// that wrote it (see appendKeyValue).
//
// Each value of an image is turned into its kind's neutral form (package
// sql, values.go) by the table's Values, the source dialect's, which
// DecodeValue reads back exactly. Columns the table excludes are left out.
//
// NULL stays null; the image's column order is kept. A column the table
// does not list (one added since the registry was read) passes through as
// the image has it. Every error is a *ValueError.
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
	// texts are neutral forms that an image gives in its first member
	// (sql.NeutralOverrides); nil for most images.
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
	overrides := ""
	if o, ok := t.Values.(fsql.NeutralOverrides); ok {
		overrides = o.OverrideMember()
	}
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
		if n == 0 && overrides != "" && string(name) == overrides {
			if err := c.readTexts(); err != nil {
				return imageSpan{}, syntax(overrides, err)
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

		var kind fsql.Kind
		var column *fsql.Column
		if col >= 0 {
			if c.seen[col/64]&(1<<(col%64)) != 0 {
				return imageSpan{}, c.fail("", string(name), fmt.Errorf("column appears twice in the %s image", which))
			}
			c.seen[col/64] |= 1 << (col % 64)
			column = &t.Columns[col]
			kind = column.Kind
		} else if c.seenUnknown(name) {
			return imageSpan{}, c.fail("", string(name), fmt.Errorf("column appears twice in the %s image", which))
		}

		vstart := len(c.buf)
		if text, ok := c.texts[string(name)]; ok && column != nil {
			// The image's value is not exact; its neutral form came first.
			_, err = r.value()
			c.buf = append(c.buf, text...)
		} else {
			c.buf, err = c.value(c.buf, column)
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

// value reads the next value and appends its neutral form to dst: null
// as it is, a value of a listed column through the dialect's Values, any
// other as the image has it. A *fitError leaves the reading in step; any
// other error is a syntax error.
func (c *conv) value(dst []byte, col *fsql.Column) ([]byte, error) {
	v, err := c.rd.value()
	if err != nil {
		return dst, err
	}
	if v.Kind() == jsontext.KindNull || col == nil {
		return append(dst, v...), nil
	}
	n := len(dst)
	dst, err = c.t.Values.AppendNeutral(dst, col, v)
	if err != nil {
		return append(dst[:n], v...), &fitError{err.Error()}
	}
	return dst, nil
}

// readTexts reads the object of neutral forms that an image may start
// with (sql.NeutralOverrides), whose '{' is next.
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
