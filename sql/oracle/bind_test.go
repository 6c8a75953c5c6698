package oracle

import (
	"bytes"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	go_ora "github.com/sijms/go-ora/v2"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// show prints bind values compactly for comparison.
func show(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case stdsql.NullString:
			parts[i] = "null"
			if x.Valid {
				parts[i] = "s:" + x.String
			}
		case stdsql.NullInt64:
			parts[i] = "null"
			if x.Valid {
				parts[i] = fmt.Sprintf("i:%d", x.Int64)
			}
		case go_ora.NullNVarChar:
			parts[i] = "null"
			if x.Valid {
				parts[i] = "n:" + string(x.NVarChar)
			}
		case go_ora.Clob:
			parts[i] = "clob:null"
			if x.Valid {
				parts[i] = fmt.Sprintf("clob:%d", len(x.String))
			}
		case go_ora.NClob:
			parts[i] = "nclob:null"
			if x.Valid {
				parts[i] = "nclob:" + x.String
			}
		case go_ora.Blob:
			parts[i] = "blob:null"
			if x.Data != nil {
				parts[i] = fmt.Sprintf("blob:%x", x.Data)
			}
		case []byte:
			parts[i] = "raw:null"
			if x != nil {
				parts[i] = fmt.Sprintf("raw:%x", x)
			}
		case int64:
			parts[i] = fmt.Sprintf("%d", x)
		default:
			parts[i] = fmt.Sprintf("%T:%v", v, v)
		}
	}
	return strings.Join(parts, " ")
}

// TestBinds turns neutral values into go-ora binds for every Oracle column
// type, with the extremes each type holds exactly.
func TestBinds(t *testing.T) {
	t.Parallel()
	clob := strings.Repeat("x", 40*1024)
	cases := []struct{ typ, value, want string }{
		{"NUMBER", `"12345678901234567890123456789012345678"`, "s:12345678901234567890123456789012345678"},
		{"NUMBER", `"-12345678901234567890123456789012345678"`, "s:-12345678901234567890123456789012345678"},
		{"NUMBER", `"0.` + strings.Repeat("0", 129) + `1"`, "s:0." + strings.Repeat("0", 129) + "1"},
		{"NUMBER", `"9999999999999999999999999999999999999` + strings.Repeat("0", 89) + `"`, "s:9999999999999999999999999999999999999" + strings.Repeat("0", 89)},
		{"NUMBER", `1e+21`, "s:1000000000000000000000"},
		{"NUMBER", `1.5e-7`, "s:0.00000015"},
		{"NUMBER", `"1.50"`, "s:1.5"},
		{"NUMBER", `"-0.0015"`, "s:-0.0015"},
		{"NUMBER", `true`, "s:1"},
		{"NUMBER(12,2)", `"-0.01"`, "s:-0.01"},
		{"NUMBER(12,2)", `"9999999999.99"`, "s:9999999999.99"},
		{"NUMBER(12,2)", `"1.500"`, "s:1.5"},
		{"NUMBER(5,-2)", `"9999900"`, "s:9999900"},
		{"NUMBER(10)", `-2147483648`, "s:-2147483648"},
		{"NUMBER(*,0)", `"12345678901234567890123456789012345678"`, "s:12345678901234567890123456789012345678"},
		{"FLOAT(5)", `"120"`, "s:120"},
		{"NUMBER", `null`, "null"},
		{"BINARY_DOUBLE", `0.1`, "raw:3fb999999999999a"},
		{"BINARY_DOUBLE", `-0`, "raw:8000000000000000"},
		{"BINARY_DOUBLE", `"NaN"`, "raw:7ff8000000000001"},
		{"BINARY_DOUBLE", `"-Infinity"`, "raw:fff0000000000000"},
		{"BINARY_DOUBLE", `5e-324`, "raw:0000000000000001"},
		{"BINARY_DOUBLE", `"1.5"`, "raw:3ff8000000000000"},
		{"BINARY_FLOAT", `0.1`, "raw:3dcccccd"},
		{"BINARY_FLOAT", `3.4028235e+38`, "raw:7f7fffff"},
		{"BINARY_FLOAT", `null`, "raw:null"},
		{"DATE", `"2024-02-29T13:05:09"`, "s:2024-02-29 13:05:09"},
		{"DATE", `"2024-02-29"`, "s:2024-02-29 00:00:00"},
		{"DATE", `"-4711-01-01T00:00:00"`, "s:-4712-01-01 00:00:00"},
		{"DATE", `"0000-01-01"`, "s:-0001-01-01 00:00:00"},
		{"DATE", `"9999-12-31T23:59:59"`, "s:9999-12-31 23:59:59"},
		{"TIMESTAMP(9)", `"2026-01-02T03:04:05.123456789"`, "s:2026-01-02 03:04:05.123456789"},
		{"TIMESTAMP(6)", `"2026-01-02T03:04:05"`, "s:2026-01-02 03:04:05.000000000"},
		{"TIMESTAMP(6) WITH TIME ZONE", `"2026-03-29T03:30:00+02:00[Europe/Berlin]"`, "s:2026-03-29 03:30:00.000000000 +02:00 s:Europe/Berlin"},
		{"TIMESTAMP(6) WITH TIME ZONE", `"2026-10-25T02:30:00+01:00[Europe/Berlin]"`, "s:2026-10-25 02:30:00.000000000 +01:00 s:Europe/Berlin"},
		{"TIMESTAMP(6) WITH TIME ZONE", `"2026-10-25T02:30:00+02:00[Europe/Berlin]"`, "s:2026-10-25 02:30:00.000000000 +02:00 s:Europe/Berlin"},
		{"TIMESTAMP(6) WITH TIME ZONE", `"2026-01-01T00:00:00.5-05:30"`, "s:2026-01-01 00:00:00.500000000 -05:30 s:-05:30"},
		{"TIMESTAMP(6) WITH TIME ZONE", `null`, "null null"},
		{"TIMESTAMP(6) WITH LOCAL TIME ZONE", `"2026-01-01T00:00:00Z"`, "s:2026-01-01 00:00:00.000000000 +00:00"},
		{"INTERVAL YEAR(2) TO MONTH", `"P1Y2M"`, "s:P1Y2M"},
		{"INTERVAL YEAR(2) TO MONTH", `"P1Y-2M"`, "s:P0Y10M"},
		{"INTERVAL YEAR(2) TO MONTH", `"P-1Y-6M"`, "s:-P1Y6M"},
		{"INTERVAL DAY(2) TO SECOND(6)", `"P1DT-2H"`, "s:P0DT22H0M0S"},
		{"INTERVAL DAY(2) TO SECOND(6)", `"P-1DT-2H-3M-4.5S"`, "s:-P1DT2H3M4.5S"},
		{"INTERVAL DAY(2) TO SECOND(6)", `"PT0S"`, "s:P0DT0H0M0S"},
		{"INTERVAL DAY(2) TO SECOND(6)", `"13:45:00.5"`, "s:P0DT13H45M0.5S"},
		{"VARCHAR2(100 BYTE)", `"it's \"quoted\""`, `s:it's "quoted"`},
		{"VARCHAR2(100 BYTE)", `12.5`, "s:12.5"},
		{"VARCHAR2(100 BYTE)", `null`, "null"},
		{"NVARCHAR2(50)", `"naïve ☃"`, "n:naïve ☃"},
		{"NVARCHAR2(50)", `null`, "null"},
		{"CLOB", `"` + clob + `"`, "clob:40960 0"},
		{"CLOB", `""`, "clob:null 1"},
		{"CLOB", `null`, "clob:null 0"},
		{"NCLOB", `"漢"`, "nclob:漢 0"},
		{"BLOB", `"AAEC/w=="`, "blob:000102ff 0"},
		{"BLOB", `""`, "blob:null 1"},
		{"BLOB", `null`, "blob:null 0"},
		{"RAW(16)", `"3q2+7w=="`, "raw:deadbeef"},
		{"RAW(16)", `"0189a8f2-7c3e-7d1a-9b2c-3d4e5f607182"`, "raw:0189a8f27c3e7d1a9b2c3d4e5f607182"},
		{"BOOLEAN", `true`, "i:1"},
		{"BOOLEAN", `false`, "i:0"},
		{"JSON", `"{\"a\":1}"`, "clob:7"},
	}
	for _, c := range cases {
		b, err := newBinder(col("X", c.typ), BindOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		vals, err := b.bind(json.RawMessage(c.value))
		if err != nil {
			t.Errorf("%s %.60s: %v", c.typ, c.value, err)
			continue
		}
		if len(vals) != b.width() {
			t.Errorf("%s: %d values for %d placeholders", c.typ, len(vals), b.width())
		}
		if got := show(vals); got != c.want {
			t.Errorf("%s %.60s:\n got %.200s\nwant %.200s", c.typ, c.value, got, c.want)
		}
	}
}

// TestBindRefusals: a value the column cannot hold exactly is an error,
// never a rounded or truncated bind.
func TestBindRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct{ typ, value, why string }{
		{"NUMBER", `"123456789012345678901234567890123456789"`, "significant digits"},
		{"NUMBER", `"1e-129"`, "exponent notation"},
		{"NUMBER", `1e-131`, "too small"},
		{"NUMBER", `"0.` + strings.Repeat("0", 130) + `1"`, "too small"},
		{"NUMBER", `1e126`, "too large"},
		{"NUMBER", `"NaN"`, "has no NaN"},
		{"NUMBER", `"Infinity"`, "has no Infinity"},
		{"NUMBER", `"1,5"`, "not a number"},
		{"NUMBER(12,2)", `"1.234"`, "fractional digits"},
		{"NUMBER(12,2)", `"12345678901"`, "integer digits"},
		{"NUMBER(5,-2)", `"123"`, "fractional digits"},
		{"NUMBER(10)", `"0.5"`, "fractional digits"},
		{"NUMBER(*,0)", `"1.5"`, "fractional digits"},
		{"FLOAT(5)", `"123.45"`, "keeps 2"},
		{"BINARY_DOUBLE", `0.30000000000000004441`, "not a 64-bit float"},
		{"BINARY_FLOAT", `0.30000000000000004`, "not a 32-bit float"},
		{"BINARY_FLOAT", `1e39`, "does not fit"},
		{"DATE", `"2026-01-02T03:04:05.5"`, "fractions of a second"},
		{"DATE", `"2026-01-02T03:04:05+01:00"`, "zone would be lost"},
		{"DATE", `"1582-10-10"`, "does not exist"},
		{"DATE", `"2023-02-29"`, "not a date"},
		{"DATE", `"-4712-01-01"`, "outside Oracle's range"},
		{"DATE", `"10000-01-01"`, "outside Oracle's range"},
		{"DATE", `"infinity"`, "no Oracle equivalent"},
		{"TIMESTAMP(6)", `"2026-01-02T03:04:05.1234567"`, "keeps 6"},
		{"TIMESTAMP(6) WITH TIME ZONE", `"2026-01-02T03:04:05"`, "no zone"},
		{"TIMESTAMP(6) WITH TIME ZONE", `"2026-01-02T03:04:05+05:53:28"`, "not +HH:MM"},
		{"TIMESTAMP(6) WITH TIME ZONE", `"2026-01-02T03:04:05+01:00[Europe/Berlin'--]"`, "not a region name"},
		{"INTERVAL YEAR(2) TO MONTH", `"P1D"`, "cannot hold"},
		{"INTERVAL YEAR(2) TO MONTH", `"P100Y"`, "holds 2 digits"},
		{"INTERVAL DAY(2) TO SECOND(6)", `"P1M"`, "cannot hold"},
		{"INTERVAL DAY(2) TO SECOND(6)", `"P100D"`, "holds 2 digits"},
		{"INTERVAL DAY(2) TO SECOND(3)", `"PT0.0001S"`, "keeps 3"},
		{"VARCHAR2(10 BYTE)", `""`, "empty string"},
		{"NVARCHAR2(10)", `""`, "empty string"},
		{"RAW(16)", `""`, "empty string"},
		{"VARCHAR2(10 BYTE)", `true`, "boolean"},
		{"BLOB", `"not base64"`, "base64"},
		{"JSON", `"{not json"`, "not JSON"},
		{"BOOLEAN", `1`, "true or false"},
		{"NUMBER", `[1]`, "arrays and objects"},
	}
	for _, c := range cases {
		b, err := newBinder(col("X", c.typ), BindOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		vals, err := b.bind(json.RawMessage(c.value))
		if err == nil {
			t.Errorf("%s %.60s: bound %s, want an error (%s)", c.typ, c.value, show(vals), c.why)
			continue
		}
		if !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s %.60s: error %q does not say %q", c.typ, c.value, err, c.why)
		}
	}
}

func TestEmptyStringAsNull(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{"VARCHAR2(10 BYTE)", "CHAR(3 BYTE)", "NVARCHAR2(10)", "RAW(16)"} {
		b, _ := newBinder(col("X", typ), BindOptions{EmptyStringAsNull: true})
		vals, err := b.bind(json.RawMessage(`""`))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if got := show(vals); got != "null" && got != "raw:null" {
			t.Errorf("%s: '' bound as %s, want NULL", typ, got)
		}
	}
}

// TestNumberBindsArePlain: whatever the input's notation, the text bound
// for TO_NUMBER is plain decimal notation.
func TestNumberBindsArePlain(t *testing.T) {
	t.Parallel()
	b, _ := newBinder(col("X", "NUMBER"), BindOptions{})
	for _, v := range []string{`1e-130`, `1.5E+125`, `-2.5e-7`, `123e2`, `"0.000001"`, `1E0`} {
		vals, err := b.bind(json.RawMessage(v))
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		s := vals[0].(stdsql.NullString).String
		if strings.ContainsAny(s, "eE+") {
			t.Errorf("%s bound as %q, which is not plain notation", v, s)
		}
	}
}

// TestDriverNumberEncoding records why NUMBER is bound as text for
// TO_NUMBER and not through go_ora.NewNumberFromString: in v2.8.24 plain
// notation below 1 encodes with a leading zero digit (c1 01 10 for 0.0015
// where Oracle's format has bf 10), and a negative number of 21 to 38
// digits lacks the terminating byte 102 that the format requires below 20
// mantissa bytes (OCI, "Internal NUMBER Format"). Oracle compares NUMBERs
// byte by byte, so such a value would not match an equal key stored by
// Oracle itself. If this test fails, the driver's encoder changed: the
// text binding still works, but the choice can be revisited.
func TestDriverNumberEncoding(t *testing.T) {
	t.Parallel()
	data := func(s string) []byte {
		n, err := go_ora.NewNumberFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		return reflect.ValueOf(n).Elem().Field(0).Bytes()
	}
	if got, canonical := data("0.0015"), []byte{0xbf, 0x10}; bytes.Equal(got, canonical) {
		t.Errorf("0.0015 now encodes canonically (% x)", got)
	}
	if got := data("-123456789012345678901"); got[len(got)-1] == 102 {
		t.Errorf("a 21-digit negative number now ends with the terminator (% x)", got)
	}
}

// TestWriterErrorsNameTableColumnKey: a row the target cannot hold is a
// ValueError naming the table, the column and the key.
func TestWriterErrorsNameTableColumnKey(t *testing.T) {
	t.Parallel()
	w, err := NewWriter(composite(), []string{"account", "booked_on", "line"}, []string{"account", "booked_on", "line", "amount"}, BindOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.plan.bindRows([][]json.RawMessage{{
		json.RawMessage(`"A-1"`), json.RawMessage(`"2026-01-02T00:00:00"`), json.RawMessage(`3`), json.RawMessage(`"1.23456"`),
	}})
	var ve *ValueError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a ValueError", err)
	}
	if ve.Table != "HR.POSTINGS" || ve.Column != "AMOUNT" || ve.Key != `{"ACCOUNT":"A-1","BOOKED_ON":"2026-01-02T00:00:00","LINE":3}` {
		t.Fatalf("got %+v", ve)
	}
	if !errors.Is(err, errNotExact) || classify(err) != ClassReject {
		t.Fatalf("%v: want errNotExact, classified Reject", err)
	}
}

// TestWriterDedupesKeys: the last row of a key wins, and keys equal as
// values (1.5 and 1.50) are one key, since a MERGE whose source holds a
// key twice fails with ORA-30926.
func TestWriterDedupesKeys(t *testing.T) {
	t.Parallel()
	tbl := &fsql.Table{Schema: "HR", Name: "PRICES", Columns: []fsql.Column{
		col("PRICE", "NUMBER(12,2)"), col("LABEL", "VARCHAR2(10 BYTE)"),
	}}
	w, err := NewWriter(tbl, []string{"PRICE"}, []string{"PRICE", "LABEL"}, BindOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := w.plan.bindRows([][]json.RawMessage{
		{json.RawMessage(`"1.5"`), json.RawMessage(`"first"`)},
		{json.RawMessage(`"2"`), json.RawMessage(`"other"`)},
		{json.RawMessage(`"1.50"`), json.RawMessage(`"last"`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, show(r))
	}
	if want := "[s:1.5 s:last s:2 s:other]"; fmt.Sprint(got) != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	cols := columnsOf(rows, w.plan.nbinds)
	if len(cols) != 2 || len(cols[0].([]any)) != 2 {
		t.Fatalf("array binds: %v", cols)
	}
	doc, err := w.plan.document(rows, []int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"c1":"1.5","c2":"last"},{"c1":"2","c2":"other"}]`; doc != want {
		t.Fatalf("JSON document %s, want %s", doc, want)
	}
}

func TestWriterRefusesColumns(t *testing.T) {
	t.Parallel()
	tbl := &fsql.Table{Schema: "HR", Name: "EMP", Columns: []fsql.Column{
		{Name: "ID", Type: "NUMBER(10)", Kind: fsql.KindInteger, Category: CategoryIdentityAlways},
		{Name: "NAME", Type: "VARCHAR2(10 BYTE)", Kind: fsql.KindText},
		{Name: "UPPER_NAME", Type: "VARCHAR2(10 BYTE)", Kind: fsql.KindText, Category: CategoryVirtual},
		{Name: "DOC", Type: "CLOB", Kind: fsql.KindText},
		{Name: "L", Type: "LONG"},
	}}
	for _, c := range []struct {
		key, cols []string
		why       string
	}{
		{[]string{"ID"}, []string{"ID", "NAME"}, "GENERATED ALWAYS"},
		{[]string{"NAME"}, []string{"NAME", "UPPER_NAME"}, "virtual column"},
		{[]string{"DOC"}, []string{"DOC"}, "cannot be a key"},
		{[]string{"NAME"}, []string{"NAME", "L"}, "LONG is deprecated"},
		{[]string{"NAME"}, []string{"NAME", "MISSING"}, "no column MISSING"},
		{[]string{"NAME"}, []string{"DOC"}, "not among the columns written"},
	} {
		_, err := NewWriter(tbl, c.key, c.cols, BindOptions{})
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%v %v: got %v, want %q", c.key, c.cols, err, c.why)
		}
	}
	// Reading a GENERATED ALWAYS key (a snapshot's bound) is fine; a LONG
	// column must be excluded from the image.
	if _, err := newReader(fsql.ReadSpec{Table: tbl, Key: []string{"ID"}, Exclude: []string{"L"}}, readFacts{}); err != nil {
		t.Error(err)
	}
	if _, err := newReader(fsql.ReadSpec{Table: tbl, Key: []string{"ID"}}, readFacts{}); err == nil || !strings.Contains(err.Error(), "LONG") {
		t.Errorf("got %v, want the LONG column refused", err)
	}
}

func TestFloatExactness(t *testing.T) {
	t.Parallel()
	// Every shortest float32 text binds to BINARY_FLOAT as that float32.
	b, _ := newBinder(col("X", "BINARY_FLOAT"), BindOptions{})
	for _, f := range []float32{0.1, 1.0 / 3, math.MaxFloat32, math.SmallestNonzeroFloat32, -7.038531e-26, 16777217} {
		text := fmt.Sprint(f)
		vals, err := b.bind(json.RawMessage(strconvFloat(float64(f), 32)))
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if got := show(vals); got != "raw:"+bitsHex32(f) {
			t.Errorf("%s: %s, want %s", text, got, bitsHex32(f))
		}
	}
}

// TestIdentityAlwaysRefusal: MERGE cannot insert into a GENERATED ALWAYS
// identity key, so a route writing one is refused before any row, naming
// the table, the column and the ALTER TABLE that lets a replica take the
// source's values.
func TestIdentityAlwaysRefusal(t *testing.T) {
	t.Parallel()
	tbl := &fsql.Table{Schema: "HR", Name: "Emp", Columns: []fsql.Column{
		{Name: "ID", Type: "NUMBER(10)", Kind: fsql.KindInteger, Category: CategoryIdentityAlways},
		{Name: "NAME", Type: "VARCHAR2(10 BYTE)", Kind: fsql.KindText},
	}}
	_, err := NewWriter(tbl, []string{"id"}, []string{"id", "name"}, BindOptions{})
	for _, want := range []string{"column ID of HR.Emp", "GENERATED ALWAYS AS IDENTITY", "ORA-32795",
		`ALTER TABLE "HR"."Emp" MODIFY ("ID" GENERATED BY DEFAULT ON NULL AS IDENTITY)`, "START WITH LIMIT VALUE"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to say %q", err, want)
		}
	}
}
