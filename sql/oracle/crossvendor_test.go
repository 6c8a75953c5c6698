package oracle

import (
	"encoding/json"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/sqlserver"
)

// TestOtherVendorsIntoOracleBinds: values captured by PostgreSQL's and SQL
// Server's triggers, turned into neutral forms by those dialects' own
// Values (as their relays do), bind exactly into Oracle columns (the text
// each conversion in the MERGE reads), or are refused where Oracle cannot
// hold them.
func TestOtherVendorsIntoOracleBinds(t *testing.T) {
	t.Parallel()
	type vendor struct {
		name   string
		values fsql.Values
	}
	pg := vendor{"postgres", postgres.Values{}}
	ms := vendor{"sqlserver", sqlserver.Values{}}
	cases := []struct {
		from       vendor
		typ        string
		kind       fsql.Kind
		image      string
		oracleType string
		want       string // show() of the binds; "refused: ..." for an error containing it
	}{
		{pg, "bigint", fsql.KindInteger, `-9223372036854775808`, "NUMBER(19)", "s:-9223372036854775808"},
		{pg, "numeric(38,10)", fsql.KindDecimal, `1234567890123456789012345678.1234567890`, "NUMBER(38,10)", "s:1234567890123456789012345678.123456789"},
		{pg, "numeric", fsql.KindDecimal, `-0.000000000000000000000000000000000000000001234567890123456789`, "NUMBER", "s:-0.000000000000000000000000000000000000000001234567890123456789"},
		{pg, "numeric", fsql.KindDecimal, `"NaN"`, "NUMBER", "refused: NaN"},
		{pg, "numeric(12,2)", fsql.KindDecimal, `1.25`, "NUMBER(12,1)", "refused: "},
		{pg, "real", fsql.KindFloat, `3.4028235e+38`, "BINARY_FLOAT", "raw:7f7fffff"},
		{pg, "double precision", fsql.KindFloat, `0.1`, "BINARY_DOUBLE", "raw:3fb999999999999a"},
		{pg, "double precision", fsql.KindFloat, `"-Infinity"`, "BINARY_DOUBLE", "raw:fff0000000000000"},
		{pg, "timestamp without time zone", fsql.KindTimestamp, `"2024-02-29T13:14:15.123456"`, "TIMESTAMP(6)", "s:2024-02-29 13:14:15.123456000"},
		{pg, "timestamp without time zone", fsql.KindTimestamp, `"2024-02-29T13:14:15.123456"`, "DATE", "refused: fractions"},
		// PostgreSQL's triggers write instants in UTC (TimeZone pinned).
		{pg, "timestamp with time zone", fsql.KindTimestampTZ, `"2024-06-30T18:29:59.654321+00:00"`, "TIMESTAMP(6) WITH TIME ZONE", "s:2024-06-30 18:29:59.654321000 +00:00 s:+00:00"},
		{pg, "timestamp with time zone", fsql.KindTimestampTZ, `"2024-06-30T18:29:59.654321+00:00"`, "TIMESTAMP(6) WITH LOCAL TIME ZONE", "s:2024-06-30 18:29:59.654321000 +00:00"},
		{pg, "timestamp with time zone", fsql.KindTimestampTZ, `"2024-06-30T18:29:59.654321+00:00"`, "TIMESTAMP(6)", "refused: zone"},
		{pg, "date", fsql.KindDate, `"0001-01-01"`, "DATE", "s:0001-01-01 00:00:00"},
		{pg, "interval", fsql.KindInterval, `"P1Y2M"`, "INTERVAL YEAR(2) TO MONTH", "s:P1Y2M"},
		{pg, "interval", fsql.KindInterval, `"P3DT4H5M6.789S"`, "INTERVAL DAY(2) TO SECOND(6)", "s:P3DT4H5M6.789S"},
		{pg, "interval", fsql.KindInterval, `"P1M3D"`, "INTERVAL DAY(2) TO SECOND(6)", "refused: "},
		{pg, "time without time zone", fsql.KindTime, `"23:59:59.999999"`, "INTERVAL DAY(0) TO SECOND(6)", "s:P0DT23H59M59.999999S"},
		{pg, "text", fsql.KindText, `"héllo wörld ✓ 日本語 🚀 \"quoted\" \\ back"`, "VARCHAR2(100 CHAR)", `s:héllo wörld ✓ 日本語 🚀 "quoted" \ back`},
		{pg, "text", fsql.KindText, `""`, "VARCHAR2(10 CHAR)", "refused: empty string"},
		{pg, "text", fsql.KindText, `""`, "CLOB", "clob:null 1"},
		{pg, "bytea", fsql.KindBinary, `"\\x00ff10fe"`, "BLOB", "blob:00ff10fe 0"},
		{pg, "bytea", fsql.KindBinary, `"\\xdeadbeef"`, "RAW(16)", "raw:deadbeef"},
		{pg, "uuid", fsql.KindUUID, `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`, "RAW(16)", "raw:a0eebc999c0b4ef8bb6d6bb9bd380a11"},
		{pg, "boolean", fsql.KindBool, `true`, "NUMBER(1)", "s:1"},
		{pg, "jsonb", fsql.KindJSON, `{"k": {"n": 1.0E+2}}`, "CLOB", `clob:20 0`},

		{ms, "decimal(38,38)", fsql.KindDecimal, `"-.12345678901234567890123456789012345678"`, "NUMBER(38,38)", "s:-0.12345678901234567890123456789012345678"},
		{ms, "money", fsql.KindDecimal, `"922337203685477.5807"`, "NUMBER(19,4)", "s:922337203685477.5807"},
		{ms, "float", fsql.KindFloat, `"4.9406564584124654E-324"`, "BINARY_DOUBLE", "raw:0000000000000001"},
		{ms, "real", fsql.KindFloat, `"1.00000001E-001"`, "BINARY_FLOAT", "raw:3dcccccd"},
		{ms, "datetime2(7)", fsql.KindTimestamp, `"9999-12-31 23:59:59.9999999"`, "TIMESTAMP(9)", "s:9999-12-31 23:59:59.999999900"},
		{ms, "datetime2(7)", fsql.KindTimestamp, `"9999-12-31 23:59:59.9999999"`, "TIMESTAMP(6)", "refused: fractional"},
		{ms, "datetimeoffset(7)", fsql.KindTimestampTZ, `"2024-03-10 02:30:00.1234567 -08:00"`, "TIMESTAMP(9) WITH TIME ZONE", "s:2024-03-10 02:30:00.123456700 -08:00 s:-08:00"},
		{ms, "time(7)", fsql.KindTime, `"13:45:00.1234567"`, "INTERVAL DAY(0) TO SECOND(7)", "s:P0DT13H45M0.1234567S"},
		{ms, "date", fsql.KindDate, `"9999-12-31"`, "DATE", "s:9999-12-31 00:00:00"},
		{ms, "nvarchar(50)", fsql.KindText, `"naïve ☃ 🚀"`, "NVARCHAR2(50)", "n:naïve ☃ 🚀"},
		{ms, "bit", fsql.KindBool, `true`, "BOOLEAN", "i:1"},
		{ms, "uniqueidentifier", fsql.KindUUID, `"6F9619FF-8B86-D011-B42D-00C04FC964FF"`, "RAW(16)", "raw:6f9619ff8b86d011b42d00c04fc964ff"},
	}
	for _, c := range cases {
		src := fsql.Column{Name: "X", Type: c.typ, BaseType: c.typ, Kind: c.kind, Nullable: true}
		neutral, err := c.from.values.AppendNeutral(nil, &src, []byte(c.image))
		if err != nil {
			t.Errorf("%s %s %s: %v", c.from.name, c.typ, c.image, err)
			continue
		}
		b, err := newBinder(col("X", c.oracleType), BindOptions{})
		if err != nil {
			t.Fatal(err)
		}
		vals, err := b.bind(json.RawMessage(neutral))
		if want, ok := strings.CutPrefix(c.want, "refused: "); ok {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s %s %s (neutral %s) into %s: got %s, %v; want refused (%q)", c.from.name, c.typ, c.image, neutral, c.oracleType, show(vals), err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s %s (neutral %s) into %s: %v", c.from.name, c.typ, c.image, neutral, c.oracleType, err)
			continue
		}
		if got := show(vals); got != c.want {
			t.Errorf("%s %s %s (neutral %s) into %s:\n got %s\nwant %s", c.from.name, c.typ, c.image, neutral, c.oracleType, got, c.want)
		}
	}
}
