package oracle

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

func col(name, typ string) fsql.Column {
	return fsql.Column{Name: name, Type: typ, Kind: kindOf(parseType(typ))}
}

func bitsHex64(f float64) string {
	return hex.EncodeToString(binary.BigEndian.AppendUint64(nil, math.Float64bits(f)))
}

func bitsHex32(f float32) string {
	return hex.EncodeToString(binary.BigEndian.AppendUint32(nil, math.Float32bits(f)))
}

// TestImageValues converts every kind of image value the trigger writes,
// extremes included, into its neutral form.
func TestImageValues(t *testing.T) {
	t.Parallel()
	clob := strings.Repeat("é漢😀x", 40*1024/10) // > 40 KB of UTF-8
	cases := []struct {
		typ, image, want string
	}{
		// NUMBER as TO_CHAR 'TM9' text.
		{"NUMBER(10)", `"42"`, `42`},
		{"NUMBER(10)", `"-9999999999"`, `-9999999999`},
		{"NUMBER(18)", `"999999999999999999"`, `999999999999999999`},
		{"NUMBER", `".5"`, `"0.5"`},
		{"NUMBER", `"-.5"`, `"-0.5"`},
		{"NUMBER", `"0"`, `"0"`},
		{"NUMBER(38)", `"12345678901234567890123456789012345678"`, `"12345678901234567890123456789012345678"`},
		{"NUMBER", `"-12345678901234567890123456789012345678"`, `"-12345678901234567890123456789012345678"`},
		{"NUMBER", `"1E-130"`, `"0.` + strings.Repeat("0", 129) + `1"`},
		{"NUMBER", `"9.999999999999999999999999999999999999E+125"`, `"9999999999999999999999999999999999999` + strings.Repeat("0", 89) + `"`},
		{"NUMBER", `"~"`, `"Infinity"`},
		{"NUMBER", `"-~"`, `"-Infinity"`},
		{"NUMBER(12,2)", `"1.5"`, `"1.50"`},
		{"NUMBER(12,2)", `"100"`, `"100.00"`},
		{"NUMBER(12,2)", `"-.01"`, `"-0.01"`},
		{"NUMBER(5,-2)", `"12300"`, `12300`},
		{"FLOAT(126)", `".1"`, `"0.1"`},
		// Binary floats as IEEE bits: the shortest text of the same value.
		{"BINARY_DOUBLE", `"` + bitsHex64(0.1) + `"`, `0.1`},
		{"BINARY_DOUBLE", `"` + bitsHex64(math.MaxFloat64) + `"`, `1.7976931348623157e+308`},
		{"BINARY_DOUBLE", `"` + bitsHex64(math.SmallestNonzeroFloat64) + `"`, `5e-324`},
		{"BINARY_DOUBLE", `"` + bitsHex64(math.Copysign(0, -1)) + `"`, `-0`},
		{"BINARY_DOUBLE", `"` + bitsHex64(math.NaN()) + `"`, `"NaN"`},
		{"BINARY_DOUBLE", `"` + bitsHex64(math.Inf(1)) + `"`, `"Infinity"`},
		{"BINARY_DOUBLE", `"` + bitsHex64(math.Inf(-1)) + `"`, `"-Infinity"`},
		{"BINARY_FLOAT", `"` + bitsHex32(0.1) + `"`, `0.1`},
		{"BINARY_FLOAT", `"` + bitsHex32(math.MaxFloat32) + `"`, `3.4028235e+38`},
		{"BINARY_FLOAT", `"` + bitsHex32(float32(math.Inf(-1))) + `"`, `"-Infinity"`},
		// DATE and TIMESTAMP from EXTRACT fields; Oracle's -4712 is 4713 BC.
		{"DATE", `"2024-2-29T13:05:09"`, `"2024-02-29T13:05:09"`},
		{"DATE", `"-4712-1-1T00:00:00"`, `"-4711-01-01T00:00:00"`},
		{"DATE", `"-44-3-15T12:00:00"`, `"-0043-03-15T12:00:00"`},
		{"DATE", `"9999-12-31T23:59:59"`, `"9999-12-31T23:59:59"`},
		{"TIMESTAMP(9)", `"2026-1-2T03:04:05.123456789"`, `"2026-01-02T03:04:05.123456789"`},
		{"TIMESTAMP(9)", `"2026-1-2T03:04:05.100000000"`, `"2026-01-02T03:04:05.1"`},
		{"TIMESTAMP(6)", `"2026-1-2T03:04:05.000000000"`, `"2026-01-02T03:04:05"`},
		// TIMESTAMP WITH TIME ZONE: UTC fields, offset, TZR. 2026-03-29 is
		// Berlin's spring-forward day: 01:30 UTC is 03:30 CEST, past the gap.
		{"TIMESTAMP(6) WITH TIME ZONE", `"2026-3-29T01:30:00.000000000 +02:00 Europe/Berlin"`, `"2026-03-29T03:30:00+02:00[Europe/Berlin]"`},
		{"TIMESTAMP(6) WITH TIME ZONE", `"2026-3-29T00:59:59.999999000 +01:00 Europe/Berlin"`, `"2026-03-29T01:59:59.999999+01:00[Europe/Berlin]"`},
		{"TIMESTAMP(6) WITH TIME ZONE", `"2025-12-31T23:30:00.000000000 +05:30 +05:30"`, `"2026-01-01T05:00:00+05:30"`},
		{"TIMESTAMP(6) WITH TIME ZONE", `"2026-1-1T02:00:00.000000000 -08:00 America/Los_Angeles"`, `"2025-12-31T18:00:00-08:00[America/Los_Angeles]"`},
		// Across Oracle's Julian/Gregorian switch: 1582-10-15 00:30 UTC at
		// -01:00 is the day before, 1582-10-04 (Julian).
		{"TIMESTAMP(6) WITH TIME ZONE", `"1582-10-15T00:30:00.000000000 -01:00 -01:00"`, `"1582-10-04T23:30:00-01:00"`},
		{"TIMESTAMP(6) WITH LOCAL TIME ZONE", `"2026-7-1T10:00:00.500000000 +00:00 +00:00"`, `"2026-07-01T10:00:00.5+00:00"`},
		// Intervals as PostgreSQL's iso_8601 style.
		{"INTERVAL YEAR(2) TO MONTH", `"P1Y2M"`, `"P1Y2M"`},
		{"INTERVAL YEAR(2) TO MONTH", `"P-1Y-6M"`, `"P-1Y-6M"`},
		{"INTERVAL YEAR(2) TO MONTH", `"P0Y0M"`, `"PT0S"`},
		{"INTERVAL DAY(2) TO SECOND(6)", `"P1DT2H3M4.5S"`, `"P1DT2H3M4.5S"`},
		{"INTERVAL DAY(2) TO SECOND(6)", `"P0DT0H0M.5S"`, `"PT0.5S"`},
		{"INTERVAL DAY(2) TO SECOND(6)", `"P-1DT-2H0M-.25S"`, `"P-1DT-2H-0.25S"`},
		{"INTERVAL DAY(2) TO SECOND(6)", `"P0DT0H0M0S"`, `"PT0S"`},
		// Text, binary, booleans, JSON.
		{"VARCHAR2(100 CHAR)", `"naïve ☃ \u0000 'quoted' \"x\""`, `"naïve ☃ \u0000 'quoted' \"x\""`},
		{"CLOB", `"` + clob + `"`, `"` + clob + `"`},
		{"CLOB", `""`, `""`},
		{"NCHAR(5)", `"ab   "`, `"ab   "`},
		{"BLOB", `"AAEC/w=="`, `"AAEC/w=="`},
		{"BLOB", `""`, `""`},
		{"RAW(16)", `"3q2+7w=="`, `"3q2+7w=="`},
		{"BOOLEAN", `true`, `true`},
		{"JSON", `{"a":[1,2.5,"x"]}`, `"{\"a\":[1,2.5,\"x\"]}"`},
		{"JSON", `"scalar"`, `"\"scalar\""`},
		// NULL is null for every kind.
		{"NUMBER(10)", `null`, `null`},
		{"TIMESTAMP(6) WITH TIME ZONE", `null`, `null`},
	}
	for _, c := range cases {
		got, err := (Values{}).Value(col("X", c.typ), json.RawMessage(c.image))
		if err != nil {
			t.Errorf("%s %.60s: %v", c.typ, c.image, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%s %.60s:\n got %.200s\nwant %.200s", c.typ, c.image, got, c.want)
		}
	}
}

func TestImageValueErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ typ, image string }{
		{"NUMBER(10)", `"1.5"`},
		{"NUMBER(10)", `"99999999999999999999"`},
		{"NUMBER", `"1,5"`},
		{"BINARY_DOUBLE", `"00"`},
		{"DATE", `"2024-02-29 13:05:09"`},
		{"TIMESTAMP(6) WITH TIME ZONE", `"2026-3-29T01:30:00 Europe/Berlin"`},
		{"BLOB", `"not base64!"`},
		{"BOOLEAN", `"true"`},
		{"VARCHAR2(10 BYTE)", `5`},
	} {
		if got, err := (Values{}).Value(col("X", c.typ), json.RawMessage(c.image)); err == nil {
			t.Errorf("%s %s: got %s, want an error", c.typ, c.image, got)
		}
	}
}

func TestImageKeepsColumnOrder(t *testing.T) {
	t.Parallel()
	cols := []fsql.Column{col("B", "NUMBER(10)"), col("A", "NUMBER(12,2)"), col("D", "DATE")}
	got, err := (Values{}).Image(cols, []byte(`{"B":"7","A":"-.5","D":"2024-1-2T03:04:05","NEW":"kept as is"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"B":7,"A":"-0.50","D":"2024-01-02T03:04:05","NEW":"kept as is"}`; string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got, _ := (Values{}).Image(cols, nil); got != nil {
		t.Fatalf("a nil image gave %s", got)
	}
}

func strconvFloat(f float64, bits int) string { return string(formatFloat(f, bits)) }
