package sqlserver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/golang-sql/civil"
	mssql "github.com/microsoft/go-mssqldb"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// column is a target column with what binding a value to it needs.
type column struct {
	Name     string
	Type     colType
	Facts    facts
	Nullable bool
}

func targetColumn(c fsql.Column) (column, error) {
	t, err := parseType(c.Type)
	if err != nil {
		return column{}, fmt.Errorf("column %s: %w", c.Name, err)
	}
	return column{Name: c.Name, Type: t, Facts: factsOf(c), Nullable: c.Nullable}, nil
}

// bound is one neutral value made ready for go-mssqldb, both ways it can
// be sent: Param as an RPC parameter, Bulk as a bulk copy value (bulk copy
// takes time.Time where parameters take civil types, and takes a varchar's
// bytes in the column's code page). Wide is set for a char or varchar
// value that is not ASCII: it cannot travel as mssql.VarChar (go-mssqldb
// sends a VarChar's UTF-8 bytes as they are), so a parameter carries it as
// nvarchar and SQL Server converts it with the column's collation.
type bound struct {
	Param, Bulk any
	Wide        bool
}

// Bind turns a value in its neutral form into what go-mssqldb sends for
// column c, or says why c cannot hold it exactly. SQL Server rounds a
// decimal or a time to the column's scale and truncates strings cast to a
// shorter type without an error, and go-mssqldb clamps dates it cannot
// encode; every such case is refused here, before anything is sent.
func (c column) Bind(v json.RawMessage) (bound, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		if !c.Nullable {
			return bound{}, errors.New("NULL in a NOT NULL column")
		}
		return bound{}, nil
	}
	switch c.Type.Base {
	case "bit":
		switch string(v) {
		case "true", "1":
			return bound{Param: true, Bulk: true}, nil
		case "false", "0":
			return bound{Param: false, Bulk: false}, nil
		}
		return bound{}, fmt.Errorf("%s is not a bit (true or false)", v)
	case "tinyint", "smallint", "int", "bigint":
		return c.bindInteger(v)
	case "decimal", "numeric", "money", "smallmoney":
		return c.bindDecimal(v)
	case "float", "real":
		return c.bindFloat(v)
	}
	if c.Type.Base == "json" {
		return bindJSON(v)
	}
	s, isString, err := scalarText(v)
	if err != nil {
		return bound{}, err
	}
	switch c.Type.Base {
	case "char", "varchar", "text", "nchar", "nvarchar", "ntext", "xml":
		return c.bindText(s)
	}
	if !isString {
		return bound{}, fmt.Errorf("%s is not a %s value (a string is expected)", v, c.Type)
	}
	switch c.Type.Base {
	case "binary", "varbinary", "image":
		return c.bindBinary(s)
	case "uniqueidentifier":
		if !isUUID(s) {
			return bound{}, fmt.Errorf("%q is not a uuid", s)
		}
		var u mssql.UniqueIdentifier
		if err := u.Scan(s); err != nil {
			return bound{}, fmt.Errorf("%q is not a uuid: %w", s, err)
		}
		// UniqueIdentifier's Value puts the first three groups in SQL
		// Server's little-endian order, for parameters and bulk copy alike.
		return bound{Param: u, Bulk: u}, nil
	case "date":
		m, err := parseDate(s, true)
		if err != nil {
			return bound{}, refuseInfinity(s, err)
		}
		if err := inRange(m, 1, 9999); err != nil {
			return bound{}, err
		}
		return bound{Param: civil.Date{Year: m.Year, Month: time.Month(m.Month), Day: m.Day}, Bulk: m.utc()}, nil
	case "time":
		var m moment
		if err := parseClock(s, &m); err != nil {
			return bound{}, fmt.Errorf("%w (time holds no UTC offset, and 24:00:00 is not a time of day here)", err)
		}
		if err := c.fracFits(m, c.Type.Scale); err != nil {
			return bound{}, err
		}
		ns := m.Nanos()
		return bound{Param: civil.Time{Hour: m.Hour, Minute: m.Minute, Second: m.Second, Nanosecond: ns},
			Bulk: time.Date(1, 1, 1, m.Hour, m.Minute, m.Second, ns, time.UTC)}, nil
	case "datetime2", "datetime", "smalldatetime":
		return c.bindTimestamp(s)
	case "datetimeoffset":
		return c.bindTimestampTZ(s)
	}
	return bound{}, fmt.Errorf("Ferry cannot write type %s", c.Type)
}

// bindJSON takes the neutral json form, a string holding the JSON text,
// or a JSON value itself (as a Debezium producer sends one).
func bindJSON(v json.RawMessage) (bound, error) {
	s := string(v)
	if v[0] == '"' {
		if err := json.Unmarshal(v, &s); err != nil {
			return bound{}, fmt.Errorf("%s is not a JSON string: %w", v, err)
		}
		if !json.Valid([]byte(s)) {
			return bound{}, fmt.Errorf("%q is not JSON", s)
		}
	}
	return bound{Param: s, Bulk: s}, nil
}

// scalarText is a JSON scalar's text: a string's content, or a number's
// or a boolean's JSON text. Arrays and objects are refused.
func scalarText(v json.RawMessage) (s string, isString bool, err error) {
	switch v[0] {
	case '"':
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false, fmt.Errorf("%s is not a JSON string: %w", v, err)
		}
		return s, true, nil
	case '[', '{':
		return "", false, fmt.Errorf("%s is not a single value", v)
	}
	return string(v), false, nil
}

func refuseInfinity(s string, err error) error {
	if strings.EqualFold(strings.TrimPrefix(s, "-"), "infinity") {
		return fmt.Errorf("%q: SQL Server has no infinite dates or timestamps", s)
	}
	return err
}

// numberOf reads a JSON number, or a string holding a plain decimal.
func numberOf(v json.RawMessage) (number, error) {
	text := string(v)
	if v[0] == '"' {
		if err := json.Unmarshal(v, &text); err != nil {
			return number{}, err
		}
		switch text {
		case "NaN", "Infinity", "-Infinity":
			return number{}, fmt.Errorf("%s: SQL Server's numeric types have no NaN or infinity", text)
		}
	}
	return parseNumber(text)
}

var intRange = map[string][2]int64{
	"tinyint": {0, math.MaxUint8}, "smallint": {math.MinInt16, math.MaxInt16},
	"int": {math.MinInt32, math.MaxInt32}, "bigint": {math.MinInt64, math.MaxInt64},
}

func (c column) bindInteger(v json.RawMessage) (bound, error) {
	n, err := numberOf(v)
	if err != nil {
		return bound{}, err
	}
	if n.scale() > 0 {
		return bound{}, fmt.Errorf("%s is not a whole number", n)
	}
	i, err := strconv.ParseInt(n.withScale(0).String(), 10, 64)
	r := intRange[c.Type.Base]
	if err != nil || i < r[0] || i > r[1] {
		return bound{}, fmt.Errorf("%s is out of the range of %s", n, c.Type.Base)
	}
	return bound{Param: i, Bulk: i}, nil
}

// moneyLimits are the ends of money and smallmoney, in ten-thousandths.
var moneyLimits = map[string][2]string{
	"money":      {"-922337203685477.5808", "922337203685477.5807"},
	"smallmoney": {"-214748.3648", "214748.3647"},
}

func (c column) bindDecimal(v json.RawMessage) (bound, error) {
	n, err := numberOf(v)
	if err != nil {
		return bound{}, err
	}
	scale := c.Type.Scale
	if lim, ok := moneyLimits[c.Type.Base]; ok {
		scale = 4
		if n.scale() > scale {
			return bound{}, fmt.Errorf("%s has %d fractional digits, more than %s's 4: SQL Server would round it", n, n.scale(), c.Type.Base)
		}
		if cmpNumber(n, mustNumber(lim[0])) < 0 || cmpNumber(n, mustNumber(lim[1])) > 0 {
			return bound{}, fmt.Errorf("%s is out of the range of %s", n, c.Type.Base)
		}
	} else if err := n.fits(c.Type.Precision, scale); err != nil {
		return bound{}, err
	}
	// Text with exactly the column's scale: SQL Server converts it without
	// rounding, and bulk copy's StringToDecimalScale accepts it.
	s := n.withScale(scale).String()
	return bound{Param: s, Bulk: s}, nil
}

func mustNumber(s string) number {
	n, err := parseNumber(s)
	if err != nil {
		panic(err)
	}
	return n
}

// cmpNumber compares two exact numbers.
func cmpNumber(a, b number) int {
	if a.Neg != b.Neg {
		if a.Neg {
			return -1
		}
		return 1
	}
	sign := 1
	if a.Neg {
		sign = -1
	}
	if len(a.Int) != len(b.Int) {
		if len(a.Int) < len(b.Int) {
			return -sign
		}
		return sign
	}
	s := max(len(a.Frac), len(b.Frac))
	x, y := a.Int+a.withScale(s).Frac, b.Int+b.withScale(s).Frac
	return sign * strings.Compare(x, y)
}

// bindFloat accepts a number that the column's float type holds exactly:
// one whose shortest text reads back as the same number. A float from any
// source qualifies; a decimal such as 0.1000000000000000055 does not.
func (c column) bindFloat(v json.RawMessage) (bound, error) {
	n, err := numberOf(v)
	if err != nil {
		return bound{}, err
	}
	bits := 64
	if c.Type.Base == "real" {
		bits = 32
	}
	f, err := strconv.ParseFloat(n.String(), bits)
	if err != nil || math.IsInf(f, 0) {
		return bound{}, fmt.Errorf("%s is out of the range of %s", n, c.Type.Base)
	}
	// SQL Server documents float down to 2.23E-308 and real down to
	// 1.18E-38 besides 0: a subnormal value may not survive.
	if tiny := map[int]float64{64: 0x1p-1022, 32: 0x1p-126}[bits]; f != 0 && math.Abs(f) < tiny {
		return bound{}, fmt.Errorf("%s is below the smallest %s SQL Server documents (%g)", n, c.Type.Base, tiny)
	}
	back, _ := parseNumber(strconv.FormatFloat(f, 'g', -1, bits))
	if cmpNumber(n, back) != 0 {
		return bound{}, fmt.Errorf("%s is not exactly a %s value (the nearest is %s)", n, c.Type.Base, back)
	}
	if f == 0 && bytes.HasPrefix(bytes.TrimLeft(v, `"`), []byte("-")) {
		f = math.Copysign(0, -1) // -0 is a float value of its own (parseNumber folds it into 0)
	}
	if bits == 32 {
		return bound{Param: float32(f), Bulk: float32(f)}, nil
	}
	return bound{Param: f, Bulk: f}, nil
}

// codePages are the single-byte code pages of SQL Server collations whose
// mapping x/text has; a varchar value is encoded with its column's, and a
// character the code page lacks is refused (SQL Server would store "?").
var codePages = map[int]encoding.Encoding{
	437: charmap.CodePage437, 850: charmap.CodePage850, 874: charmap.Windows874,
	1250: charmap.Windows1250, 1251: charmap.Windows1251, 1252: charmap.Windows1252,
	1253: charmap.Windows1253, 1254: charmap.Windows1254, 1255: charmap.Windows1255,
	1256: charmap.Windows1256, 1257: charmap.Windows1257, 1258: charmap.Windows1258,
}

const utf8CodePage = 65001

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// encodeVarchar is s in the code page of a char or varchar column.
func encodeVarchar(s string, codePage int) ([]byte, error) {
	if codePage == utf8CodePage || isASCII(s) {
		return []byte(s), nil
	}
	enc, ok := codePages[codePage]
	if !ok {
		return nil, fmt.Errorf("the column's code page %d is not one Ferry can check, so only ASCII text is written to it; "+
			"use nvarchar or a UTF-8 collation", codePage)
	}
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err == nil {
		var back []byte
		back, err = enc.NewDecoder().Bytes(b)
		if err == nil && string(back) != s {
			err = errors.New("it does not read back the same")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("the text holds characters that code page %d lacks (SQL Server would store them as ?): %v", codePage, err)
	}
	return b, nil
}

func (c column) bindText(s string) (bound, error) {
	switch c.Type.Base {
	case "nchar", "nvarchar", "ntext", "xml":
		if n := len(utf16.Encode([]rune(s))); c.Type.Length > 0 && n > c.Type.Length {
			return bound{}, fmt.Errorf("the text is %d UTF-16 code units, longer than %s", n, c.Type)
		}
		return bound{Param: s, Bulk: s}, nil
	}
	b, err := encodeVarchar(s, c.Facts.CodePage)
	if err != nil {
		return bound{}, err
	}
	if c.Type.Length > 0 && len(b) > c.Type.Length {
		return bound{}, fmt.Errorf("the text is %d bytes in the column's code page, longer than %s", len(b), c.Type)
	}
	if !isASCII(s) {
		return bound{Param: s, Bulk: b, Wide: true}, nil
	}
	return bound{Param: mssql.VarChar(s), Bulk: b}, nil
}

func (c column) bindBinary(s string) (bound, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return bound{}, fmt.Errorf("%q is not base64: %w", s, err)
	}
	if b == nil {
		b = []byte{} // empty, not NULL
	}
	switch {
	case c.Type.Base == "binary" && len(b) != c.Type.Length:
		return bound{}, fmt.Errorf("%d bytes for %s, which holds exactly %d (SQL Server would pad or cut them)", len(b), c.Type, c.Type.Length)
	case c.Type.Length > 0 && len(b) > c.Type.Length:
		return bound{}, fmt.Errorf("%d bytes, longer than %s", len(b), c.Type)
	}
	return bound{Param: b, Bulk: b}, nil
}

// fracFits refuses fractional seconds beyond the column's scale, which SQL
// Server would round away.
func (c column) fracFits(m moment, scale int) error {
	if len(m.Frac) > scale {
		return fmt.Errorf("%d fractional digits of seconds, more than %s holds: SQL Server would round them", len(m.Frac), c.Type)
	}
	return nil
}

func inRange(m moment, fromYear, toYear int) error {
	if m.Year < fromYear || m.Year > toYear {
		return fmt.Errorf("year %d is outside %04d..%04d", m.Year, fromYear, toYear)
	}
	return nil
}

// parseWallClock reads a timestamp without offset, or a date (midnight).
func parseWallClock(s string, typ colType) (moment, error) {
	if !strings.ContainsAny(s, "T ") {
		return parseDate(s, true)
	}
	sep := byte('T')
	if !strings.Contains(s, "T") {
		sep = ' '
	}
	m, err := parseTimestamp(s, sep, false, true)
	if err != nil && strings.ContainsAny(s[min(11, len(s)):], "+-Z") {
		return m, fmt.Errorf("%q carries a UTC offset: %s holds wall-clock time only; write it to a datetimeoffset column", s, typ)
	}
	return m, err
}

func (c column) bindTimestamp(s string) (bound, error) {
	m, err := parseWallClock(s, c.Type)
	if err != nil {
		return bound{}, refuseInfinity(s, err)
	}
	switch c.Type.Base {
	case "datetime2":
		if err := inRange(m, 1, 9999); err != nil {
			return bound{}, err
		}
		if err := c.fracFits(m, c.Type.Scale); err != nil {
			return bound{}, err
		}
	case "datetime":
		// datetime counts 1/300 s and prints tick 1 as .003, tick 2 as .007:
		// the values it holds are those whose milliseconds end in 0, 3 or 7,
		// and each reads back as the same text. Others would be rounded.
		if err := inRange(m, 1753, 9999); err != nil {
			return bound{}, err
		}
		if len(m.Frac) > 3 || !strings.ContainsRune("037", rune((m.Frac + "000")[2])) {
			return bound{}, fmt.Errorf("%q: datetime holds 1/300 s (milliseconds ending in 0, 3 or 7); SQL Server would round it", s)
		}
	case "smalldatetime":
		if m.Second != 0 || m.Frac != "" {
			return bound{}, fmt.Errorf("%q: smalldatetime holds whole minutes; SQL Server would round it", s)
		}
		if m.Year < 1900 || m.Year > 2079 || (m.Year == 2079 && (m.Month > 6 || (m.Month == 6 && m.Day > 6))) {
			return bound{}, fmt.Errorf("%q is outside smalldatetime's 1900-01-01..2079-06-06", s)
		}
	}
	t := m.utc()
	return bound{Param: civil.DateTimeOf(t), Bulk: t}, nil
}

func (c column) bindTimestampTZ(s string) (bound, error) {
	m, err := parseTimestamp(s, 'T', true, true)
	if err != nil {
		if _, werr := parseWallClock(s, c.Type); werr == nil {
			return bound{}, fmt.Errorf("%q has no UTC offset: a datetimeoffset needs one", s)
		}
		return bound{}, refuseInfinity(s, err)
	}
	if m.Region != "" {
		return bound{}, fmt.Errorf("%q names the zone region %s, which datetimeoffset cannot keep", s, m.Region)
	}
	if m.Offset < -14*60 || m.Offset > 14*60 {
		return bound{}, fmt.Errorf("%q: datetimeoffset holds offsets from -14:00 to +14:00", s)
	}
	if err := c.fracFits(m, c.Type.Scale); err != nil {
		return bound{}, err
	}
	// SQL Server stores the instant in UTC, which must be in range too.
	utc := m.utc()
	if err := inRange(m, 1, 9999); err != nil {
		return bound{}, err
	}
	if utc.Year() < 1 || utc.Year() > 9999 {
		return bound{}, fmt.Errorf("%q is outside datetimeoffset's range in UTC", s)
	}
	t := utc.In(time.FixedZone("", m.Offset*60))
	return bound{Param: mssql.DateTimeOffset(t), Bulk: t}, nil
}
