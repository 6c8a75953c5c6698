package sqlserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-sql/civil"
	mssql "github.com/microsoft/go-mssqldb"

	fsql "github.com/ferry-cdc/ferry/sql"
)

func mustColumn(t *testing.T, typ string, nullable bool, f facts) column {
	t.Helper()
	c, err := targetColumn(col("c", typ, nullable, f))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBind turns neutral forms into go-mssqldb's values: the parameter and
// the bulk copy value, for every type, at its extremes.
func TestBind(t *testing.T) {
	t.Parallel()
	utf8Facts := facts{Collation: "Latin1_General_100_CI_AS_SC_UTF8", CodePage: utf8CodePage}
	at := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	for _, tc := range []struct {
		typ         string
		f           facts
		in          string
		param, bulk any
		wide        bool
	}{
		{typ: "bit", in: `true`, param: true, bulk: true},
		{typ: "bit", in: `0`, param: false, bulk: false},
		{typ: "tinyint", in: `255`, param: int64(255), bulk: int64(255)},
		{typ: "smallint", in: `-32768`, param: int64(-32768), bulk: int64(-32768)},
		{typ: "int", in: `"12.00"`, param: int64(12), bulk: int64(12)},
		{typ: "int", in: `1e3`, param: int64(1000), bulk: int64(1000)},
		{typ: "bigint", in: `9223372036854775807`, param: int64(math.MaxInt64), bulk: int64(math.MaxInt64)},
		{typ: "bigint", in: `-9223372036854775808`, param: int64(math.MinInt64), bulk: int64(math.MinInt64)},
		{typ: "decimal(38,10)", in: `"9999999999999999999999999999.9999999999"`,
			param: "9999999999999999999999999999.9999999999", bulk: "9999999999999999999999999999.9999999999"},
		{typ: "decimal(38,10)", in: `"1.5"`, param: "1.5000000000", bulk: "1.5000000000"},
		{typ: "decimal(38,10)", in: `"1.50000000000000"`, param: "1.5000000000", bulk: "1.5000000000"},
		{typ: "decimal(38,10)", in: `1e-5`, param: "0.0000100000", bulk: "0.0000100000"},
		{typ: "decimal(38,10)", in: `"-0.00"`, param: "0.0000000000", bulk: "0.0000000000"},
		{typ: "numeric(38,0)", in: `"-99999999999999999999999999999999999999"`,
			param: "-99999999999999999999999999999999999999", bulk: "-99999999999999999999999999999999999999"},
		{typ: "decimal(38,38)", in: `"0.99999999999999999999999999999999999999"`,
			param: "0.99999999999999999999999999999999999999", bulk: "0.99999999999999999999999999999999999999"},
		{typ: "money", in: `"922337203685477.5807"`, param: "922337203685477.5807", bulk: "922337203685477.5807"},
		{typ: "money", in: `"-922337203685477.5808"`, param: "-922337203685477.5808", bulk: "-922337203685477.5808"},
		{typ: "money", in: `12`, param: "12.0000", bulk: "12.0000"},
		{typ: "smallmoney", in: `"-214748.3648"`, param: "-214748.3648", bulk: "-214748.3648"},
		{typ: "float", in: `0.1`, param: 0.1, bulk: 0.1},
		{typ: "float", in: `1.7976931348623157e+308`, param: math.MaxFloat64, bulk: math.MaxFloat64},
		{typ: "float", in: `2.2250738585072014e-308`, param: 0x1p-1022, bulk: 0x1p-1022},
		{typ: "float", in: `"12.5"`, param: 12.5, bulk: 12.5},
		{typ: "real", in: `0.1`, param: float32(0.1), bulk: float32(0.1)},
		{typ: "real", in: `3.4028235e+38`, param: float32(math.MaxFloat32), bulk: float32(math.MaxFloat32)},
		{typ: "date", in: `"0001-01-01"`, param: civil.Date{Year: 1, Month: 1, Day: 1}, bulk: at(1, 1, 1, 0, 0, 0, 0)},
		{typ: "date", in: `"9999-12-31"`, param: civil.Date{Year: 9999, Month: 12, Day: 31}, bulk: at(9999, 12, 31, 0, 0, 0, 0)},
		{typ: "time(7)", in: `"23:59:59.9999999"`, param: civil.Time{Hour: 23, Minute: 59, Second: 59, Nanosecond: 999999900},
			bulk: at(1, 1, 1, 23, 59, 59, 999999900)},
		{typ: "time(0)", in: `"13:45:00.000"`, param: civil.Time{Hour: 13, Minute: 45}, bulk: at(1, 1, 1, 13, 45, 0, 0)},
		{typ: "datetime2(7)", in: `"0001-01-01T00:00:00"`, param: civil.DateTime{Date: civil.Date{Year: 1, Month: 1, Day: 1}},
			bulk: at(1, 1, 1, 0, 0, 0, 0)},
		{typ: "datetime2(7)", in: `"9999-12-31T23:59:59.9999999"`,
			param: civil.DateTime{Date: civil.Date{Year: 9999, Month: 12, Day: 31}, Time: civil.Time{Hour: 23, Minute: 59, Second: 59, Nanosecond: 999999900}},
			bulk:  at(9999, 12, 31, 23, 59, 59, 999999900)},
		{typ: "datetime2(3)", in: `"2024-01-02"`, param: civil.DateTime{Date: civil.Date{Year: 2024, Month: 1, Day: 2}},
			bulk: at(2024, 1, 2, 0, 0, 0, 0)},
		{typ: "datetime", in: `"2024-01-02T13:45:00.003"`,
			param: civil.DateTime{Date: civil.Date{Year: 2024, Month: 1, Day: 2}, Time: civil.Time{Hour: 13, Minute: 45, Nanosecond: 3000000}},
			bulk:  at(2024, 1, 2, 13, 45, 0, 3000000)},
		{typ: "datetime", in: `"9999-12-31T23:59:59.997"`,
			param: civil.DateTime{Date: civil.Date{Year: 9999, Month: 12, Day: 31}, Time: civil.Time{Hour: 23, Minute: 59, Second: 59, Nanosecond: 997000000}},
			bulk:  at(9999, 12, 31, 23, 59, 59, 997000000)},
		{typ: "smalldatetime", in: `"2079-06-06T23:59:00"`,
			param: civil.DateTime{Date: civil.Date{Year: 2079, Month: 6, Day: 6}, Time: civil.Time{Hour: 23, Minute: 59}},
			bulk:  at(2079, 6, 6, 23, 59, 0, 0)},
		{typ: "char(4)", f: latin1, in: `"ab"`, param: mssql.VarChar("ab"), bulk: []byte("ab")},
		{typ: "varchar(4)", f: latin1, in: `"café"`, param: "café", bulk: []byte{'c', 'a', 'f', 0xE9}, wide: true},
		{typ: "varchar(1)", f: latin1, in: `"€"`, param: "€", bulk: []byte{0x80}, wide: true},
		{typ: "varchar(max)", f: latin1, in: `""`, param: mssql.VarChar(""), bulk: []byte{}},
		{typ: "varchar(6)", f: utf8Facts, in: `"日本"`, param: "日本", bulk: []byte("日本"), wide: true},
		{typ: "varchar(10)", f: latin1, in: `123`, param: mssql.VarChar("123"), bulk: []byte("123")},
		{typ: "nvarchar(2)", f: latin1, in: `"😀"`, param: "😀", bulk: "😀"},
		{typ: "nvarchar(max)", f: latin1, in: `""`, param: "", bulk: ""},
		{typ: "nchar(3)", f: latin1, in: `"é😀"`, param: "é😀", bulk: "é😀"},
		{typ: "xml", in: `"<a>1</a>"`, param: "<a>1</a>", bulk: "<a>1</a>"},
		{typ: "ntext", f: latin1, in: `"old"`, param: "old", bulk: "old"},
		{typ: "binary(4)", in: `"3q2+7w=="`, param: []byte{0xDE, 0xAD, 0xBE, 0xEF}, bulk: []byte{0xDE, 0xAD, 0xBE, 0xEF}},
		{typ: "varbinary(max)", in: `""`, param: []byte{}, bulk: []byte{}},
		{typ: "json", in: `"{\"a\":1}"`, param: `{"a":1}`, bulk: `{"a":1}`},
		{typ: "json", in: `{"a":1}`, param: `{"a":1}`, bulk: `{"a":1}`},
		{typ: "int", in: `null`, param: nil, bulk: nil},
	} {
		c := mustColumn(t, tc.typ, true, tc.f)
		got, err := c.Bind(json.RawMessage(tc.in))
		if err != nil {
			t.Errorf("%s %s: %v", tc.typ, tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got.Param, tc.param) || !reflect.DeepEqual(got.Bulk, tc.bulk) || got.Wide != tc.wide {
			t.Errorf("%s %s: got %#v / %#v / wide %v, want %#v / %#v / wide %v", tc.typ, tc.in, got.Param, got.Bulk, got.Wide, tc.param, tc.bulk, tc.wide)
		}
		if tc.in == `""` && tc.bulk != nil && reflect.ValueOf(got.Bulk).Kind() == reflect.Slice && reflect.ValueOf(got.Bulk).IsNil() {
			t.Errorf("%s: an empty value became NULL", tc.typ)
		}
	}
}

// TestBindRefuses lists values each type cannot hold exactly, and why.
func TestBindRefuses(t *testing.T) {
	t.Parallel()
	cp932 := facts{Collation: "Japanese_CI_AS", CodePage: 932}
	for _, tc := range []struct {
		typ  string
		f    facts
		in   string
		want string
	}{
		{"tinyint", facts{}, `256`, "out of the range"},
		{"tinyint", facts{}, `-1`, "out of the range"},
		{"int", facts{}, `1.5`, "not a whole number"},
		{"bigint", facts{}, `9223372036854775808`, "out of the range"},
		{"bit", facts{}, `"yes"`, "not a bit"},
		{"decimal(38,10)", facts{}, `"1.00000000001"`, "would round"},
		{"decimal(38,10)", facts{}, `"99999999999999999999999999999"`, "integer digits"},
		{"decimal(38,38)", facts{}, `"1"`, "integer digits"},
		{"decimal(10,2)", facts{}, `"NaN"`, "no NaN"},
		{"decimal(10,2)", facts{}, `"Infinity"`, "no NaN"},
		{"decimal(10,2)", facts{}, `"1,5"`, "not a decimal"},
		{"money", facts{}, `"922337203685477.5808"`, "out of the range"},
		{"money", facts{}, `"1.23456"`, "would round"},
		{"smallmoney", facts{}, `"214748.3648"`, "out of the range"},
		{"float", facts{}, `"0.10000000000000000555"`, "not exactly"},
		{"float", facts{}, `1e309`, "out of the range"},
		{"float", facts{}, `5e-324`, "below the smallest"},
		{"real", facts{}, `1e-45`, "below the smallest"},
		{"float", facts{}, `"NaN"`, "no NaN"},
		{"float", facts{}, `"-Infinity"`, "no NaN"},
		{"real", facts{}, `16777217`, "not exactly"},
		{"real", facts{}, `0.1000000000000000055511151231257827`, "not exactly"},
		{"real", facts{}, `1e39`, "out of the range"},
		{"date", facts{}, `"-0043-03-15"`, "outside"},
		{"date", facts{}, `"infinity"`, "no infinite"},
		{"date", facts{}, `"2023-02-29"`, "not a calendar date"},
		{"date", facts{}, `20240102`, "a string is expected"},
		{"time(7)", facts{}, `"13:45:00.12345678"`, "would round"},
		{"time(0)", facts{}, `"13:45:00.5"`, "would round"},
		{"time(7)", facts{}, `"13:45:00+02:00"`, "no UTC offset"},
		{"time(7)", facts{}, `"24:00:00"`, "time of day"},
		{"datetime2(7)", facts{}, `"2024-01-02T13:45:00+02:00"`, "carries a UTC offset"},
		{"datetime2(3)", facts{}, `"2024-01-02T13:45:00.1234"`, "would round"},
		{"datetime2(7)", facts{}, `"-infinity"`, "no infinite"},
		{"datetime", facts{}, `"2024-01-02T13:45:00.001"`, "1/300"},
		{"datetime", facts{}, `"2024-01-02T13:45:00.0033333"`, "1/300"},
		{"datetime", facts{}, `"1752-12-31T00:00:00"`, "outside 1753"},
		{"smalldatetime", facts{}, `"2024-01-02T13:45:30"`, "whole minutes"},
		{"smalldatetime", facts{}, `"2079-06-07T00:00:00"`, "outside smalldatetime"},
		{"smalldatetime", facts{}, `"1899-12-31T00:00:00"`, "outside smalldatetime"},
		{"datetimeoffset(7)", facts{}, `"2024-01-02T13:45:00"`, "no UTC offset"},
		{"datetimeoffset(7)", facts{}, `"2024-01-02T13:45:00+14:01"`, "-14:00 to +14:00"},
		{"datetimeoffset(7)", facts{}, `"2026-03-29T03:30:00+02:00[Europe/Berlin]"`, "zone region"},
		{"datetimeoffset(7)", facts{}, `"0001-01-01T00:00:00+00:01"`, "in UTC"},
		{"datetimeoffset(7)", facts{}, `"9999-12-31T23:59:59.9999999-00:01"`, "in UTC"},
		{"datetimeoffset(3)", facts{}, `"2024-01-02T13:45:00.1234+00:00"`, "would round"},
		{"varchar(4)", latin1, `"cafés"`, "longer than varchar(4)"},
		{"varchar(10)", latin1, `"日本"`, "code page 1252 lacks"},
		{"varchar(5)", facts{Collation: "x_UTF8", CodePage: utf8CodePage}, `"日本"`, "6 bytes"},
		{"varchar(10)", cp932, `"日本"`, "code page 932 is not one Ferry can check"},
		{"varchar(10)", latin1, `[1]`, "not a single value"},
		{"nvarchar(1)", latin1, `"😀"`, "2 UTF-16 code units"},
		{"nchar(2)", latin1, `"abc"`, "longer than nchar(2)"},
		{"binary(4)", facts{}, `"AQID"`, "holds exactly 4"},
		{"varbinary(2)", facts{}, `"AQID"`, "longer than varbinary(2)"},
		{"varbinary(max)", facts{}, `"not base64!"`, "not base64"},
		{"uniqueidentifier", facts{}, `"6f9619ff8b86d011b42d00c04fc964ff"`, "not a uuid"},
		{"varbinary(2)", facts{}, `"\\x00ff"`, "not base64"},
		{"json", facts{}, `"{x"`, "not JSON"},
		{"sql_variant", facts{}, `"x"`, "cannot write"},
	} {
		c := mustColumn(t, tc.typ, true, tc.f)
		got, err := c.Bind(json.RawMessage(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: got %#v, %v; want an error saying %q", tc.typ, tc.in, got.Param, err, tc.want)
		}
	}
	if _, err := mustColumn(t, "int", false, facts{}).Bind(json.RawMessage(`null`)); err == nil {
		t.Error("NULL accepted for a NOT NULL column")
	}
}

// TestBindEdges checks what reflect.DeepEqual cannot show: the sign of a
// negative zero, the wire bytes of a uniqueidentifier, and the offset of a
// datetimeoffset.
func TestBindEdges(t *testing.T) {
	t.Parallel()
	b, err := mustColumn(t, "float", true, facts{}).Bind(json.RawMessage(`-0`))
	if err != nil || !math.Signbit(b.Param.(float64)) {
		t.Errorf("-0: got %v, %v; want a negative zero", b.Param, err)
	}

	b, err = mustColumn(t, "uniqueidentifier", true, facts{}).Bind(json.RawMessage(`"6F9619FF-8B86-D011-B42D-00C04FC964FF"`))
	if err != nil {
		t.Fatal(err)
	}
	wire, _ := b.Param.(mssql.UniqueIdentifier).Value()
	// SQL Server stores the first three groups little-endian.
	if want := []byte{0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}; !bytes.Equal(wire.([]byte), want) {
		t.Errorf("uniqueidentifier on the wire: % X, want % X", wire, want)
	}

	for _, tc := range []struct {
		in     string
		offset int
		utc    time.Time
	}{
		{`"2024-01-02T13:45:00.1234567+14:00"`, 14 * 3600, time.Date(2024, 1, 1, 23, 45, 0, 123456700, time.UTC)},
		{`"2024-01-02T13:45:00-14:00"`, -14 * 3600, time.Date(2024, 1, 3, 3, 45, 0, 0, time.UTC)},
		{`"2026-03-29T03:30:00Z"`, 0, time.Date(2026, 3, 29, 3, 30, 0, 0, time.UTC)},
		{`"0001-01-01T00:00:00-14:00"`, -14 * 3600, time.Date(1, 1, 1, 14, 0, 0, 0, time.UTC)},
	} {
		b, err := mustColumn(t, "datetimeoffset(7)", true, facts{}).Bind(json.RawMessage(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		p := time.Time(b.Param.(mssql.DateTimeOffset))
		_, off := p.Zone()
		if off != tc.offset || !p.Equal(tc.utc) || !b.Bulk.(time.Time).Equal(tc.utc) {
			t.Errorf("%s: got %v (offset %d), want %v at offset %d", tc.in, p, off, tc.utc, tc.offset)
		}
		// The wall clock the offset names is the one the value had.
		if got := p.Format("2006-01-02T15:04:05.9999999Z07:00"); got != strings.Trim(tc.in, `"`) {
			t.Errorf("%s: wall clock and offset %s", tc.in, got)
		}
	}
}

// TestBindFromPostgres feeds the neutral forms a PostgreSQL source
// publishes (row_to_json's texts of each type) into the SQL Server types
// the README maps them to: each binds exactly.
func TestBindFromPostgres(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ pgType, sqlType, in string }{
		{"smallint", "smallint", `-32768`},
		{"integer", "int", `2147483647`},
		{"bigint", "bigint", `-9223372036854775808`},
		{"numeric(38,10)", "decimal(38,10)", `"-1234567890123456789012345678.1234567890"`},
		{"numeric", "decimal(38,18)", `"3.141592653589793238"`},
		{"real", "real", `3.4028235e+38`},
		{"double precision", "float", `1e+21`},
		{"double precision", "float", `0.30000000000000004`},
		{"boolean", "bit", `true`},
		{"text", "nvarchar(max)", `"😀 \"quoted\" \n"`},
		{"varchar(20)", "varchar(20)", `"Zürich"`},
		{"bytea", "varbinary(max)", `"AP8Q"`},
		{"date", "date", `"2024-02-29"`},
		{"time(6)", "time(6)", `"13:45:00.123456"`},
		{"timestamp(6)", "datetime2(6)", `"2024-01-02T13:45:00.123456"`},
		{"timestamptz", "datetimeoffset(6)", `"2024-01-02T13:45:00.123456+00:00"`},
		{"uuid", "uniqueidentifier", `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`},
		{"json", "nvarchar(max)", `"{\"a\": [1, 2]}"`},
		{"interval", "varchar(40)", `"P1Y2M3DT4H5M6.5S"`},
		{"xml", "xml", `"<a>1</a>"`},
	} {
		if _, err := mustColumn(t, tc.sqlType, true, latin1).Bind(json.RawMessage(tc.in)); err != nil {
			t.Errorf("PostgreSQL %s %s into %s: %v", tc.pgType, tc.in, tc.sqlType, err)
		}
	}
}

func TestValueErrorNamesTableColumnKey(t *testing.T) {
	t.Parallel()
	tbl := targetTable()
	w, err := newWrite(tbl, []string{"staff_id"}, []string{"staff_id", "name", "salary"}, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.bindRows(neutralRows(t, []string{"staff_id", "name", "salary"}, `{"staff_id":42,"name":"Ada","salary":"1.005"}`))
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Table != "dbo.staff" || ve.Column != "salary" || ve.Key != `{"staff_id":42}` {
		t.Fatalf("got %v, want a ValueError naming dbo.staff, salary and key 42", err)
	}
	if !strings.Contains(err.Error(), "dbo.staff key {\"staff_id\":42} column salary: 1.005 has 3 fractional digits") {
		t.Errorf("message: %v", err)
	}
	if (Dialect{}).Classify(err) != fsql.Reject {
		t.Error("a value error must go to the DLQ")
	}
}
