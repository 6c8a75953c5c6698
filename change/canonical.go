package change

import (
	"bytes"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Canonical keys (design.md, trap 6). A key's text must be one per row:
// equal values that print differently would give one row several Kafka
// keys, on different partitions, and its changes would lose their order.
// The dialect gives each value in its neutral form; the forms that still
// allow several texts for one value are made one here.

// appendKeyValue appends the neutral value v of a key column in the one
// text its value has: decimals without trailing zeros (1.0 and 1.00 are
// one value in a unique index), floats without the sign of zero (-0 = 0),
// fractional seconds without trailing zeros, a timestamptz in UTC. Every
// other kind the dialects allow in a key prints one value one way.
func appendKeyValue(dst, v []byte, kind fsql.Kind) []byte {
	switch kind {
	case fsql.KindDecimal:
		// v is a JSON string of digits, or NaN or an infinity.
		if s := v[1 : len(v)-1]; bytes.IndexByte(s, '.') >= 0 && !bytes.ContainsAny(s, "eE") {
			s = bytes.TrimRight(s, "0")
			s = bytes.TrimSuffix(s, []byte("."))
			if string(s) == "-0" {
				s = s[1:]
			}
			dst = append(dst, '"')
			dst = append(dst, s...)
			return append(dst, '"')
		}
	case fsql.KindFloat:
		if f, err := strconv.ParseFloat(string(v), 64); err == nil && f == 0 {
			return append(dst, '0')
		}
	case fsql.KindTimestampTZ, fsql.KindTimestamp, fsql.KindTime:
		if jsontext.Value(v).Kind() != jsontext.KindString {
			break
		}
		s := v[1 : len(v)-1]
		plain := bytes.IndexByte(s, '.') < 0 && bytes.IndexByte(s, '[') < 0
		if plain && (kind != fsql.KindTimestampTZ || bytes.HasSuffix(s, []byte("+00:00"))) {
			break // the usual case: already one text
		}
		m, ok := fsql.ParseMoment(s)
		if !ok {
			break
		}
		if kind == fsql.KindTimestampTZ {
			m = m.UTC()
		}
		dst = append(dst, '"')
		dst = m.Trim().AppendNeutral(dst)
		return append(dst, '"')
	}
	return appendCanonical(dst, v)
}
