package sqlserver

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// The capture trigger writes each value of an image in a text form chosen
// to be exact and independent of the session (see imageValue in
// capture.go); Neutral turns those forms into the envelope's neutral forms
// (CONTRACT.md), which is what the relay publishes:
//
//	type                          image form (trigger)                 neutral form
//	bit                           true / false                         true / false
//	tinyint..bigint               JSON number                          JSON number
//	decimal, numeric              "123.4500"  (CONVERT, scale kept)    "123.4500"
//	money, smallmoney             "123.4500"  (CONVERT style 2)        "123.4500"
//	float, real                   "1.2345678901234567E+000" (style 3)  shortest JSON number
//	date                          "2024-01-02" (style 23)              "2024-01-02"
//	time                          "13:45:00.1234500" (style 121)       "13:45:00.12345"
//	datetime2, datetime,          "2024-01-02 13:45:00.1230000"        "2024-01-02T13:45:00.123"
//	  smalldatetime               (style 121 / 120)
//	datetimeoffset                "2024-01-02 13:45:00.1 +02:00"       "2024-01-02T13:45:00.1+02:00"
//	char..nvarchar, text, ntext,  JSON string (STRING_ESCAPE)          JSON string
//	  xml
//	binary, varbinary, image,     "0A1B" (hex, CONVERT style 2)        "Chs=" (base64)
//	  rowversion
//	uniqueidentifier              "6F9619FF-8B86-D011-B42D-00C04FC964FF" lower case
//	json                          JSON string holding the JSON text    the same
//
// Fractional seconds lose their trailing zeros, which makes every value one
// text whatever the column's scale (as PostgreSQL prints them). A datetime
// value is its millisecond text: SQL Server keeps 1/300 s ticks and prints
// tick 1 as ".003", which is the value the neutral form carries.

// Neutral turns one value of an outbox image, as the capture trigger wrote
// it for column c, into its neutral form. JSON null stays null.
func Neutral(c fsql.Column, v json.RawMessage) (json.RawMessage, error) {
	v = bytes.TrimSpace(v)
	if string(v) == "null" {
		return v, nil
	}
	t, err := parseType(c.Type)
	if err != nil {
		return nil, err
	}
	switch t.Base {
	case "bit":
		if string(v) != "true" && string(v) != "false" {
			return nil, fmt.Errorf("bit value %s is not true or false", v)
		}
		return v, nil
	case "tinyint", "smallint", "int", "bigint":
		i, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s value %s is not an integer", t.Base, v)
		}
		return json.RawMessage(strconv.FormatInt(i, 10)), nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, fmt.Errorf("%s value %s is not a string as the capture trigger writes it", t.Base, v)
	}
	switch t.Base {
	case "decimal", "numeric", "money", "smallmoney":
		n, err := parseNumber(s)
		if err != nil || strings.ContainsAny(s, "eE") {
			return nil, fmt.Errorf("%s value %q is not plain decimal text", t.Base, s)
		}
		return quote(n.String()), nil
	case "float", "real":
		bits := 64
		if t.Base == "real" {
			bits = 32
		}
		f, err := strconv.ParseFloat(s, bits)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%s value %q is not a finite number", t.Base, s)
		}
		return json.RawMessage(strconv.FormatFloat(f, 'g', -1, bits)), nil
	case "date":
		m, err := parseDate(s, false)
		if err != nil {
			return nil, err
		}
		return quote(m.dateText()), nil
	case "time":
		var m moment
		if err := parseClock(s, &m); err != nil {
			return nil, err
		}
		return quote(m.clockText()), nil
	case "datetime2", "datetime", "smalldatetime":
		m, err := parseTimestamp(s, ' ', false, false)
		if err != nil {
			return nil, err
		}
		return quote(m.dateText() + "T" + m.clockText()), nil
	case "datetimeoffset":
		m, err := parseTimestamp(s, ' ', true, false)
		if err != nil {
			return nil, err
		}
		return quote(m.dateText() + "T" + m.clockText() + m.offsetText()), nil
	case "binary", "varbinary", "image", "rowversion":
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%s value %q is not hexadecimal", t.Base, s)
		}
		return quote(base64.StdEncoding.EncodeToString(b)), nil
	case "uniqueidentifier":
		if !isUUID(s) {
			return nil, fmt.Errorf("uniqueidentifier value %q is not xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
		}
		return quote(strings.ToLower(s)), nil
	case "json":
		if !json.Valid([]byte(s)) {
			return nil, fmt.Errorf("json value %q is not JSON", s)
		}
		return quote(s), nil
	case "char", "varchar", "nchar", "nvarchar", "text", "ntext", "xml":
		// Decoded and encoded again: STRING_ESCAPE writes "/" as "\/", and a
		// key must be one text whatever path its value took.
		return quote(s), nil
	}
	return nil, fmt.Errorf("type %s is not carried by Ferry", c.Type)
}

// NeutralImage turns every value of an image (a JSON object of column
// name to value) into its neutral form, keeping the object's order. A
// column the list does not know passes through unchanged.
func NeutralImage(cols []fsql.Column, image []byte) ([]byte, error) {
	byName := make(map[string]fsql.Column, len(cols))
	for _, c := range cols {
		byName[c.Name] = c
	}
	dec := json.NewDecoder(bytes.NewReader(image))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("image is not a JSON object")
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for first := true; dec.More(); first = false {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("read image: %w", err)
		}
		name := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("read image column %s: %w", name, err)
		}
		if c, ok := byName[name]; ok {
			if raw, err = Neutral(c, raw); err != nil {
				return nil, fmt.Errorf("column %s: %w", name, err)
			}
		}
		if !first {
			out.WriteByte(',')
		}
		out.WriteString(jsonName(name))
		out.WriteByte(':')
		out.Write(raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// quote is s as a JSON string, without HTML escaping.
func quote(s string) json.RawMessage { return json.RawMessage(jsonName(s)) }

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range []byte(s) {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", rune(c)) {
				return false
			}
		}
	}
	return true
}

// Values turns SQL Server's images into neutral forms (Neutral).
type Values struct{}

// Values turns the capture trigger's and the snapshot reader's images into
// neutral forms.
func (Dialect) Values() fsql.Values { return Values{} }

// AppendNeutral appends Neutral of v.
func (Values) AppendNeutral(dst []byte, c *fsql.Column, v []byte) ([]byte, error) {
	n, err := Neutral(*c, v)
	if err != nil {
		return dst, err
	}
	return append(dst, n...), nil
}
