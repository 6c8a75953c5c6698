package oracle

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Values turns the outbox images the capture triggers write into the
// change envelope's neutral forms (CONTRACT.md), column by column. The
// trigger writes each value in a form that no session setting changes
// (see image.go); this is where those forms become the neutral ones:
//
//   - NUMBER: TO_CHAR 'TM9' text (".5", "1E-130") becomes plain decimal
//     notation with the column's scale kept ("0.50" for NUMBER(12,2));
//     NUMBER(p) with p-s <= 18 becomes a JSON integer;
//   - BINARY_FLOAT/DOUBLE: the IEEE bits in hex become the shortest text
//     that reads back as the same float32/float64, or "NaN",
//     "Infinity", "-Infinity";
//   - DATE/TIMESTAMP: EXTRACT's fields become "YYYY-MM-DDTHH:MM:SS[.f]"
//     with an astronomical year (Oracle's -44 is "-0043");
//   - TIMESTAMP WITH TIME ZONE: the UTC fields, offset and TZR become the
//     local wall clock with its offset, and "[Region]" when the value
//     carries a region; WITH LOCAL TIME ZONE arrives as UTC "+00:00";
//   - INTERVAL: the components become PostgreSQL's iso_8601 text;
//   - a JSON column's value, embedded as JSON, becomes a string holding it;
//   - text, base64 binary and booleans pass as they are.
type Values struct{}

// Image converts one image (a JSON object keyed by column name) to the
// neutral forms, keeping the column order. A column that cols does not
// list (added since the registry was read) passes through unchanged.
func (Values) Image(cols []fsql.Column, image []byte) ([]byte, error) {
	if image == nil {
		return nil, nil
	}
	byName := make(map[string]*fsql.Column, len(cols))
	for i := range cols {
		byName[cols[i].Name] = &cols[i]
	}
	return mapImage(image, func(name string, raw json.RawMessage) (json.RawMessage, error) {
		c, ok := byName[name]
		if !ok {
			return raw, nil
		}
		v, err := (Values{}).Value(*c, raw)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
		return v, nil
	})
}

// mapImage rewrites each value of an image (a JSON object) with f, keeping
// the members' order and the bytes of every value f returns unchanged.
func mapImage(image []byte, f func(name string, raw json.RawMessage) (json.RawMessage, error)) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(image))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("image is not a JSON object: %.60q", image)
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for i := 0; dec.More(); i++ {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("read image: %w", err)
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("read image value of %s: %w", name, err)
		}
		if raw, err = f(name, raw); err != nil {
			return nil, err
		}
		if i > 0 {
			out.WriteByte(',')
		}
		out.Write(jsonString(name))
		out.WriteByte(':')
		out.Write(raw)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// AppendNeutral appends the neutral form of v, the image's value of
// column c (never null), to dst.
func (Values) AppendNeutral(dst []byte, c *fsql.Column, v []byte) ([]byte, error) {
	n, err := (Values{}).Value(*c, v)
	if err != nil {
		return dst, err
	}
	return append(dst, n...), nil
}

// Value converts one image value of column c to its neutral form.
func (Values) Value(c fsql.Column, raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return raw, nil
	}
	t := parseType(c.Type)
	str := func() (string, error) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%s value %.40s is not a JSON string", c.Type, raw)
		}
		return s, nil
	}
	switch c.Kind {
	case fsql.KindInteger:
		// The trigger writes TO_CHAR 'TM9' text; a JSON number is taken too.
		text := string(raw)
		if raw[0] == '"' {
			s, err := str()
			if err != nil {
				return nil, err
			}
			text = s
		}
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			return nil, fmt.Errorf("%s value %.40s is not an integer within int64", c.Type, raw)
		}
		return json.RawMessage(text), nil
	case fsql.KindDecimal:
		s, err := str()
		if err != nil {
			return nil, err
		}
		n, err := numberFromImage(s, t)
		if err != nil {
			return nil, err
		}
		return jsonString(n), nil
	case fsql.KindFloat:
		s, err := str()
		if err != nil {
			return nil, err
		}
		return floatFromBits(s)
	case fsql.KindTimestamp:
		s, err := str()
		if err != nil {
			return nil, err
		}
		dt, err := parseImageDateTime(s)
		if err != nil {
			return nil, err
		}
		return jsonString(dt.timestamp()), nil
	case fsql.KindTimestampTZ:
		s, err := str()
		if err != nil {
			return nil, err
		}
		v, err := timestampTZFromImage(s)
		if err != nil {
			return nil, err
		}
		return jsonString(v), nil
	case fsql.KindInterval:
		s, err := str()
		if err != nil {
			return nil, err
		}
		d, err := parseDuration(s)
		if err != nil {
			return nil, err
		}
		return jsonString(d.String()), nil
	case fsql.KindBinary:
		s, err := str()
		if err != nil {
			return nil, err
		}
		if _, err := base64.StdEncoding.Strict().DecodeString(s); err != nil {
			return nil, fmt.Errorf("%s value is not base64: %w", c.Type, err)
		}
		return raw, nil
	case fsql.KindText:
		if _, err := str(); err != nil {
			return nil, err
		}
		return raw, nil
	case fsql.KindJSON:
		// JSON_OBJECT embeds a JSON column's value as JSON; the neutral
		// form is a string holding that text.
		return jsonString(string(raw)), nil
	case fsql.KindBool:
		if string(raw) != "true" && string(raw) != "false" {
			return nil, fmt.Errorf("%s value %.40s is not a boolean", c.Type, raw)
		}
		return raw, nil
	}
	return raw, nil
}

// floatFromBits reads UTL_RAW.CAST_FROM_BINARY_FLOAT/DOUBLE's big-endian
// IEEE 754 bits in hex: 8 digits for a float32, 16 for a float64.
func floatFromBits(s string) (json.RawMessage, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("float bits %q are not hex", s)
	}
	var f float64
	bits := 64
	switch len(b) {
	case 4:
		f, bits = float64(math.Float32frombits(binary.BigEndian.Uint32(b))), 32
	case 8:
		f = math.Float64frombits(binary.BigEndian.Uint64(b))
	default:
		return nil, fmt.Errorf("float bits %q are neither 4 nor 8 bytes", s)
	}
	return formatFloat(f, bits), nil
}

// formatFloat writes the neutral float form: the shortest text that reads
// back as the same value of the given width, or a string for the specials.
func formatFloat(f float64, bits int) json.RawMessage {
	switch {
	case math.IsNaN(f):
		return json.RawMessage(`"NaN"`)
	case math.IsInf(f, 1):
		return json.RawMessage(`"Infinity"`)
	case math.IsInf(f, -1):
		return json.RawMessage(`"-Infinity"`)
	}
	return json.RawMessage(strconv.FormatFloat(f, 'g', -1, bits))
}

// timestampTZFromImage reads "Y-M-DTHH:MI:SS.FF9 +HH:MM TZR" (the UTC
// fields of the instant, its offset, and TO_CHAR's TZR, which is a region
// name or the offset again) and writes the neutral timestamptz.
func timestampTZFromImage(s string) (string, error) {
	parts := strings.Fields(s)
	if len(parts) != 3 {
		return "", fmt.Errorf("%q is not the trigger's timestamp-with-zone form", s)
	}
	utc, err := parseImageDateTime(parts[0])
	if err != nil {
		return "", err
	}
	off, err := parseOffset(parts[1])
	if err != nil {
		return "", fmt.Errorf("%q: %w", s, err)
	}
	out := utc.addMinutes(off).timestamp() + formatOffset(off)
	if r := parts[2]; r[0] != '+' && r[0] != '-' {
		out += "[" + r + "]"
	}
	return out, nil
}

// jsonString encodes s as a JSON string without HTML escaping.
func jsonString(s string) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(b.Bytes(), "\n")
}
