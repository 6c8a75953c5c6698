package change_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/change"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// now is the conversion time in every test: 2024-07-01T00:00:00.123Z.
var now = time.UnixMilli(1719792000123)

// ts is the outbox row's time: 2024-06-30T18:29:59.654Z.
var ts = time.UnixMilli(1719772199654)

func table(key []string, cols ...fsql.Column) *change.Table {
	return &change.Table{Source: "hq", DB: "hq", Schema: "public", Name: "emp", Key: key, Columns: cols, Values: postgres.Values{}}
}

func col(name string, kind fsql.Kind) fsql.Column { return fsql.Column{Name: name, Kind: kind} }

func arrayCol(name string, elem fsql.Kind) fsql.Column {
	return fsql.Column{Name: name, Kind: fsql.KindArray, Elem: elem}
}

// envelope is the parts of a value the tests look at, bytes kept exactly.
type envelope struct {
	Before, After json.RawMessage
	Op            string
}

func parse(t *testing.T, value []byte) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(value, &e); err != nil {
		t.Fatalf("value is not JSON: %v: %s", err, value)
	}
	return e
}

func TestEachKindTravelsExactly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		kind, elem fsql.Kind
		image      string // the value as the outbox image has it
		want       string // the value as the envelope carries it
		decoded    any    // DecodeValue of want
	}{
		{"decimal wide", fsql.KindDecimal, "", `1234567890123456789012345678.1234567890`, `"1234567890123456789012345678.1234567890"`, "1234567890123456789012345678.1234567890"},
		{"decimal tiny", fsql.KindDecimal, "", `-0.000000000000000000000000000000000000000001234567890123456789`, `"-0.000000000000000000000000000000000000000001234567890123456789"`, "-0.000000000000000000000000000000000000000001234567890123456789"},
		{"decimal keeps scale", fsql.KindDecimal, "", `1.50`, `"1.50"`, "1.50"},
		{"decimal exponent", fsql.KindDecimal, "", `1E+2`, `"1E+2"`, "1E+2"},
		{"decimal NaN", fsql.KindDecimal, "", `"NaN"`, `"NaN"`, "NaN"},
		{"decimal -Infinity", fsql.KindDecimal, "", `"-Infinity"`, `"-Infinity"`, "-Infinity"},
		{"decimal as string", fsql.KindDecimal, "", `"-12.5e3"`, `"-12.5e3"`, "-12.5e3"},
		{"decimal null", fsql.KindDecimal, "", `null`, `null`, nil},
		{"oid, which the image has as a string", fsql.KindInteger, "", `"4294967295"`, `4294967295`, int64(4294967295)},
		{"timestamptz to UTC", fsql.KindTimestampTZ, "", `"2024-07-01T00:14:59.654321+05:45"`, `"2024-06-30T18:29:59.654321+00:00"`, "2024-06-30T18:29:59.654321+00:00"},
		{"timestamptz before time zones", fsql.KindTimestampTZ, "", `"1850-01-01T05:41:16+05:41:16"`, `"1850-01-01T00:00:00+00:00"`, "1850-01-01T00:00:00+00:00"},
		{"timestamptz BC across a year", fsql.KindTimestampTZ, "", `"0044-12-31T23:30:00-01:00 BC"`, `"-0042-01-01T00:30:00+00:00"`, "-0042-01-01T00:30:00+00:00"},
		{"timestamptz the last", fsql.KindTimestampTZ, "", `"294277-01-01T08:59:59.999999+09:00"`, `"294276-12-31T23:59:59.999999+00:00"`, "294276-12-31T23:59:59.999999+00:00"},
		{"timestamptz infinity", fsql.KindTimestampTZ, "", `"-infinity"`, `"-infinity"`, "-infinity"},
		{"array with bounds, as text", fsql.KindArray, fsql.KindInteger, `"[0:2]={7,8,9}"`, `"[0:2]={7,8,9}"`, "[0:2]={7,8,9}"},
		{"integer min", fsql.KindInteger, "", `-9223372036854775808`, `-9223372036854775808`, int64(math.MinInt64)},
		{"integer max", fsql.KindInteger, "", `9223372036854775807`, `9223372036854775807`, int64(math.MaxInt64)},
		{"integer zero", fsql.KindInteger, "", `0`, `0`, int64(0)},
		{"integer null", fsql.KindInteger, "", `null`, `null`, nil},
		{"float shortest", fsql.KindFloat, "", `0.1`, `0.1`, 0.1},
		{"float max", fsql.KindFloat, "", `1.7976931348623157e+308`, `1.7976931348623157e+308`, math.MaxFloat64},
		{"float real max", fsql.KindFloat, "", `3.4028235e+38`, `3.4028235e+38`, 3.4028235e+38},
		{"float denormal", fsql.KindFloat, "", `5e-324`, `5e-324`, 5e-324},
		{"float jsonb digits", fsql.KindFloat, "", `340282350000000000000000000000000000000`, `340282350000000000000000000000000000000`, 3.4028235e+38},
		{"float NaN", fsql.KindFloat, "", `"NaN"`, `"NaN"`, "NaN"},
		{"float Infinity", fsql.KindFloat, "", `"Infinity"`, `"Infinity"`, "Infinity"},
		{"float -Infinity", fsql.KindFloat, "", `"-Infinity"`, `"-Infinity"`, "-Infinity"},
		{"binary", fsql.KindBinary, "", `"\\x00ff10fe"`, `"AP8Q/g=="`, []byte{0x00, 0xff, 0x10, 0xfe}},
		{"binary upper case hex", fsql.KindBinary, "", `"\\xABCD"`, `"q80="`, []byte{0xab, 0xcd}},
		{"binary one byte", fsql.KindBinary, "", `"\\x00"`, `"AA=="`, []byte{0}},
		{"binary empty", fsql.KindBinary, "", `"\\x"`, `""`, []byte{}},
		{"binary escaped differently", fsql.KindBinary, "", `"\u005cx0a"`, `"Cg=="`, []byte{0x0a}},
		{"binary null", fsql.KindBinary, "", `null`, `null`, nil},
		{"json as written", fsql.KindJSON, "", `{"b": [1, 2.50, "x"], "a": null}`, `"{\"b\": [1, 2.50, \"x\"], \"a\": null}"`, `{"b": [1, 2.50, "x"], "a": null}`},
		{"json with a newline", fsql.KindJSON, "", "{\"a\":\n 1}", `"{\"a\":\n 1}"`, "{\"a\":\n 1}"},
		{"json escapes kept", fsql.KindJSON, "", `{"k": "\u00e9\\"}`, `"{\"k\": \"\\u00e9\\\\\"}"`, `{"k": "\u00e9\\"}`},
		{"json string", fsql.KindJSON, "", `"s"`, `"\"s\""`, `"s"`},
		{"json number", fsql.KindJSON, "", `1.0E+2`, `"1.0E+2"`, `1.0E+2`},
		{"json empty array", fsql.KindJSON, "", `[]`, `"[]"`, `[]`},
		{"json null", fsql.KindJSON, "", `null`, `null`, nil},
		// PostgreSQL's json type keeps both; row_to_json passes them on.
		{"json duplicate names, lone surrogate", fsql.KindJSON, "", `{"a":1,"a":"\ud800"}`, `"{\"a\":1,\"a\":\"\\ud800\"}"`, `{"a":1,"a":"\ud800"}`},
		{"bool true", fsql.KindBool, "", `true`, `true`, true},
		{"bool false", fsql.KindBool, "", `false`, `false`, false},
		{"text", fsql.KindText, "", `"héllo wörld ✓ 日本語 🚀 \"quoted\" \\ back"`, `"héllo wörld ✓ 日本語 🚀 \"quoted\" \\ back"`, `héllo wörld ✓ 日本語 🚀 "quoted" \ back`},
		{"text empty", fsql.KindText, "", `""`, `""`, ""},
		{"text control", fsql.KindText, "", `"tab\there\u0001"`, `"tab\there\u0001"`, "tab\there\x01"},
		{"text surrogate pair", fsql.KindText, "", `"\ud83d\ude80"`, `"\ud83d\ude80"`, "🚀"},
		{"text null", fsql.KindText, "", `null`, `null`, nil},
		{"date", fsql.KindDate, "", `"0001-01-01"`, `"0001-01-01"`, "0001-01-01"},
		{"time", fsql.KindTime, "", `"23:59:59.999999"`, `"23:59:59.999999"`, "23:59:59.999999"},
		{"timestamp", fsql.KindTimestamp, "", `"2024-02-29T13:14:15.123456"`, `"2024-02-29T13:14:15.123456"`, "2024-02-29T13:14:15.123456"},
		{"timestamp infinity", fsql.KindTimestamp, "", `"infinity"`, `"infinity"`, "infinity"},
		{"timestamptz", fsql.KindTimestampTZ, "", `"2024-06-30T18:29:59.654321+00:00"`, `"2024-06-30T18:29:59.654321+00:00"`, "2024-06-30T18:29:59.654321+00:00"},
		{"interval", fsql.KindInterval, "", `"P1Y2M3DT4H5M6.789S"`, `"P1Y2M3DT4H5M6.789S"`, "P1Y2M3DT4H5M6.789S"},
		{"uuid", fsql.KindUUID, "", `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`, `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"integer array", fsql.KindArray, fsql.KindInteger, `[1,null,-3]`, `[1,null,-3]`, []any{int64(1), nil, int64(-3)}},
		{"two dimensions, jsonb spacing", fsql.KindArray, fsql.KindInteger, `[[1, 2], [3, 4]]`, `[[1,2],[3,4]]`, []any{[]any{int64(1), int64(2)}, []any{int64(3), int64(4)}}},
		{"text array", fsql.KindArray, fsql.KindText, `["a b","",null,"ü"]`, `["a b","",null,"ü"]`, []any{"a b", "", nil, "ü"}},
		{"decimal array", fsql.KindArray, fsql.KindDecimal, `[1.50,"NaN",null]`, `["1.50","NaN",null]`, []any{"1.50", "NaN", nil}},
		{"binary array", fsql.KindArray, fsql.KindBinary, `["\\x00",null,"\\x"]`, `["AA==",null,""]`, []any{[]byte{0}, nil, []byte{}}},
		{"json array: an array element is one value", fsql.KindArray, fsql.KindJSON, `[{"a":1},[1,2],null]`, `["{\"a\":1}","[1,2]",null]`, []any{`{"a":1}`, "[1,2]", nil}},
		{"empty array", fsql.KindArray, fsql.KindInteger, `[]`, `[]`, []any{}},
		{"array null", fsql.KindArray, fsql.KindInteger, `null`, `null`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := fsql.Column{Name: "v", Kind: tc.kind, Elem: tc.elem}
			tab := table([]string{"id"}, col("id", fsql.KindInteger), c)
			evs, err := change.FromRowAt(tab, change.Row{Seq: 1, Op: change.OpCreate, After: []byte(`{"id":1,"v":` + tc.image + `}`)}, now)
			if err != nil {
				t.Fatal(err)
			}
			after := string(parse(t, evs[0].Value).After)
			if want := `{"id":1,"v":` + tc.want + `}`; after != want {
				t.Fatalf("after is\n %s\nwant\n %s", after, want)
			}
			got, err := change.DecodeValue(tc.kind, tc.elem, json.RawMessage(tc.want))
			if err != nil {
				t.Fatalf("DecodeValue(%s): %v", tc.want, err)
			}
			if !reflect.DeepEqual(got, tc.decoded) || (got == nil) != (tc.decoded == nil) {
				t.Errorf("DecodeValue(%s) = %#v, want %#v", tc.want, got, tc.decoded)
			}
		})
	}
}

func TestDecodeValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		kind, elem fsql.Kind
		raw        string
		want       any
		err        string
	}{
		{"decimal from a producer that writes numbers", fsql.KindDecimal, "", `12.3400`, "12.3400", ""},
		{"space around the value", fsql.KindInteger, "", " 7\n", int64(7), ""},
		{"negative zero", fsql.KindFloat, "", `-0`, math.Copysign(0, -1), ""},
		{"float NaN string", fsql.KindFloat, "", `"NaN"`, "NaN", ""},
		{"empty binary is not NULL", fsql.KindBinary, "", `""`, []byte{}, ""},
		{"array of uuid", fsql.KindArray, fsql.KindUUID, `["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]`, []any{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, ""},
		{"three dimensions", fsql.KindArray, fsql.KindBool, `[[[true]],[[false]]]`, []any{[]any{[]any{true}}, []any{[]any{false}}}, ""},
		{"integer with a fraction", fsql.KindInteger, "", `1.0`, nil, `decode integer value: value 1.0 does not fit integer`},
		{"integer out of range", fsql.KindInteger, "", `9223372036854775808`, nil, `decode integer value: value 9223372036854775808 does not fit integer`},
		{"integer as a string", fsql.KindInteger, "", `"1"`, nil, `decode integer value: value "1" does not fit integer`},
		{"decimal that is not a number", fsql.KindDecimal, "", `"12,5"`, nil, `decode decimal value: value "12,5" does not fit decimal`},
		{"float overflow", fsql.KindFloat, "", `1e309`, nil, `decode float value: value 1e309 does not fit float`},
		{"float other string", fsql.KindFloat, "", `"inf"`, nil, `decode float value: value "inf" does not fit float`},
		{"binary not base64", fsql.KindBinary, "", `"AP8"`, nil, `decode binary value: value "AP8" does not fit binary`},
		{"binary padding bits", fsql.KindBinary, "", `"AP9="`, nil, `decode binary value: value "AP9=" does not fit binary`},
		{"json not a string", fsql.KindJSON, "", `{"a":1}`, nil, `decode json value: value {"a":1} does not fit json`},
		{"bool as a string", fsql.KindBool, "", `"true"`, nil, `decode bool value: value "true" does not fit bool`},
		{"text as a number", fsql.KindText, "", `5`, nil, `decode text value: value 5 does not fit text`},
		{"bad element", fsql.KindArray, fsql.KindInteger, `[1,"2"]`, nil, `decode array value: value "2" does not fit integer`},
		{"array element kind unknown", fsql.KindArray, "", `[1]`, nil, `decode array value: unknown kind ""`},
		{"unknown kind", "money", "", `"1"`, nil, `decode money value: unknown kind "money"`},
		{"not JSON", fsql.KindText, "", `"abc`, nil, `decode text value: unexpected EOF at byte 4`},
		{"two values", fsql.KindInteger, "", `1 2`, nil, `decode integer value: invalid character '2' after top-level value at byte 2`},
		{"empty", fsql.KindInteger, "", ``, nil, `decode integer value: unexpected EOF at byte 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := change.DecodeValue(tc.kind, tc.elem, json.RawMessage(tc.raw))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("DecodeValue(%s) = %#v, %v; want error %s", tc.raw, got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("DecodeValue(%s) = %#v, want %#v", tc.raw, got, tc.want)
			}
			if f, ok := tc.want.(float64); ok && math.Signbit(f) != math.Signbit(got.(float64)) {
				t.Errorf("DecodeValue(%s) = %v, sign lost", tc.raw, got)
			}
		})
	}
}

// TestRealColumnsNeedParsingAsFloat32 keeps DecodeValue's warning honest:
// the float64 of a float4's shortest text can round to a different float4.
func TestRealColumnsNeedParsingAsFloat32(t *testing.T) {
	t.Parallel()
	const text = "7.038531e-26" // PostgreSQL's text of this float4
	want := float32(7.038531e-26)
	if s := strconv.FormatFloat(float64(want), 'g', -1, 32); s != text {
		t.Fatalf("shortest float4 text is %s, want %s", s, text)
	}
	v, err := change.DecodeValue(fsql.KindFloat, "", json.RawMessage(text))
	if err != nil {
		t.Fatal(err)
	}
	if float32(v.(float64)) == want {
		t.Errorf("float32(%v) is the float4 value; the warning in DecodeValue's comment can go", v)
	}
	if f, _ := strconv.ParseFloat(text, 32); float32(f) != want {
		t.Errorf("ParseFloat(%s, 32) = %v, want %v", text, f, want)
	}
}

func lines() *change.Table {
	tab := table([]string{"order_id", "line_no"},
		col("order_id", fsql.KindInteger), col("line_no", fsql.KindInteger), col("qty", fsql.KindInteger))
	tab.Name = "lines"
	return tab
}

const linesSource = `"source":{"version":"dev","connector":"ferry","name":"hq","db":"hq","schema":"public","table":"lines","txId":900,"seq":42,"ts_ms":1719772199654}`

func TestEvents(t *testing.T) {
	t.Parallel()
	type ev struct{ op, key, value string }
	for _, tc := range []struct {
		name          string
		op            change.Op
		before, after string
		want          []ev
	}{
		{
			name: "create", op: change.OpCreate,
			after: `{"order_id":1,"line_no":2,"qty":10}`,
			want: []ev{{"c", `{"order_id":1,"line_no":2}`,
				`{"before":null,"after":{"order_id":1,"line_no":2,"qty":10},` + linesSource + `,"op":"c","ts_ms":1719792000123}`}},
		},
		{
			name: "snapshot read", op: change.OpRead,
			after: `{"order_id":1,"line_no":2,"qty":10}`,
			want: []ev{{"r", `{"order_id":1,"line_no":2}`,
				`{"before":null,"after":{"order_id":1,"line_no":2,"qty":10},` + linesSource + `,"op":"r","ts_ms":1719792000123}`}},
		},
		{
			name: "update", op: change.OpUpdate,
			before: `{"order_id":1,"line_no":2,"qty":10}`, after: `{"order_id":1,"line_no":2,"qty":11}`,
			want: []ev{{"u", `{"order_id":1,"line_no":2}`,
				`{"before":{"order_id":1,"line_no":2,"qty":10},"after":{"order_id":1,"line_no":2,"qty":11},` + linesSource + `,"op":"u","ts_ms":1719792000123}`}},
		},
		{
			name: "update that changes the key", op: change.OpUpdate,
			before: `{"order_id":1,"line_no":2,"qty":10}`, after: `{"order_id":1,"line_no":12,"qty":10}`,
			want: []ev{
				{"d", `{"order_id":1,"line_no":2}`,
					`{"before":{"order_id":1,"line_no":2,"qty":10},"after":null,` + linesSource + `,"op":"d","ts_ms":1719792000123}`},
				{"d", `{"order_id":1,"line_no":2}`, ""},
				{"c", `{"order_id":1,"line_no":12}`,
					`{"before":null,"after":{"order_id":1,"line_no":12,"qty":10},` + linesSource + `,"op":"c","ts_ms":1719792000123}`},
			},
		},
		{
			name: "delete and tombstone", op: change.OpDelete,
			before: `{"order_id":2,"line_no":1,"qty":30}`,
			want: []ev{
				{"d", `{"order_id":2,"line_no":1}`,
					`{"before":{"order_id":2,"line_no":1,"qty":30},"after":null,` + linesSource + `,"op":"d","ts_ms":1719792000123}`},
				{"d", `{"order_id":2,"line_no":1}`, ""},
			},
		},
		{
			name: "truncate", op: change.OpTruncate,
			want: []ev{{"t", "", `{"before":null,"after":null,` + linesSource + `,"op":"t","ts_ms":1719792000123}`}},
		},
		{
			// jsonb's form (columns excluded): other order, spaces.
			name: "update with images in two forms keeps one key", op: change.OpUpdate,
			before: `{"order_id":1,"line_no":2,"qty":10}`, after: `{"qty": 11, "line_no": 2, "order_id": 1}`,
			want: []ev{{"u", `{"order_id":1,"line_no":2}`,
				`{"before":{"order_id":1,"line_no":2,"qty":10},"after":{"qty":11,"line_no":2,"order_id":1},` + linesSource + `,"op":"u","ts_ms":1719792000123}`}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := change.Row{Seq: 42, TxID: 900, Op: tc.op, Ts: ts}
			if tc.before != "" {
				r.Before = []byte(tc.before)
			}
			if tc.after != "" {
				r.After = []byte(tc.after)
			}
			evs, err := change.FromRowAt(lines(), r, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []ev
			for _, e := range evs {
				if e.Source != "hq" || e.DB != "hq" || e.Schema != "public" || e.Table != "lines" ||
					e.TxID != 900 || e.Seq != 42 || e.TsMs != now.UnixMilli() {
					t.Errorf("event fields %+v", e)
				}
				if e.Value != nil && !json.Valid(e.Value) {
					t.Errorf("value is not JSON: %s", e.Value)
				}
				got = append(got, ev{string(e.Op), string(e.Key), string(e.Value)})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("events\n %q\nwant\n %q", got, tc.want)
			}
			for i, e := range evs {
				if (e.Value == nil) != (tc.want[i].value == "") {
					t.Errorf("event %d: tombstone %v, want %v", i, e.Value == nil, tc.want[i].value == "")
				}
			}
		})
	}
}

func TestKeyIsCanonical(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		key    []string
		cols   []fsql.Column
		images []string // all must give want
		want   string
	}{
		{
			name: "key order follows the table's key, not the image",
			key:  []string{"order_id", "line_no"},
			cols: []fsql.Column{col("line_no", fsql.KindInteger), col("order_id", fsql.KindInteger)},
			images: []string{
				`{"line_no":2,"order_id":1}`,
				`{"order_id":1,"line_no":2}`,
				"{ \"line_no\" : 2 ,\n\t\"order_id\" : 1 }",
			},
			want: `{"order_id":1,"line_no":2}`,
		},
		{
			name:   "text escapes",
			key:    []string{"code"},
			cols:   []fsql.Column{col("code", fsql.KindText)},
			images: []string{`{"code":"Aé\"\u0001/"}`, `{"code":"\u0041\u00e9\u0022\u0001\/"}`},
			want:   `{"code":"Aé\"\u0001/"}`,
		},
		{
			name:   "decimal key",
			key:    []string{"n"},
			cols:   []fsql.Column{col("n", fsql.KindDecimal)},
			images: []string{`{"n":1.50}`, `{"n":"1.50"}`, `{"n":1.5}`, `{"n":"1.500000"}`},
			want:   `{"n":"1.5"}`,
		},
		{
			name:   "decimal key without a fraction",
			key:    []string{"n"},
			cols:   []fsql.Column{col("n", fsql.KindDecimal)},
			images: []string{`{"n":100}`, `{"n":100.00}`, `{"n":"100.0"}`},
			want:   `{"n":"100"}`,
		},
		{
			name:   "decimal zero",
			key:    []string{"n"},
			cols:   []fsql.Column{col("n", fsql.KindDecimal)},
			images: []string{`{"n":0}`, `{"n":0.00}`, `{"n":-0.0}`},
			want:   `{"n":"0"}`,
		},
		{
			name:   "float zero has no sign",
			key:    []string{"f"},
			cols:   []fsql.Column{col("f", fsql.KindFloat)},
			images: []string{`{"f":0}`, `{"f":-0}`},
			want:   `{"f":0}`,
		},
		{
			name: "timestamptz key in any zone",
			key:  []string{"at"},
			cols: []fsql.Column{col("at", fsql.KindTimestampTZ)},
			images: []string{`{"at":"2024-07-01T10:00:00.5+00:00"}`, `{"at":"2024-07-01T19:00:00.5+09:00"}`,
				`{"at":"2024-07-01T15:45:00.500+\u0030\u0035:45"}`, `{"at":"2024-07-01T09:59:30.5-00:00:30"}`},
			want: `{"at":"2024-07-01T10:00:00.5+00:00"}`,
		},
		{
			name:   "binary key",
			key:    []string{"b"},
			cols:   []fsql.Column{col("b", fsql.KindBinary)},
			images: []string{`{"b":"\\x00ff"}`, `{"b":"\\x00FF"}`, `{"b":"\u005cx00ff"}`},
			want:   `{"b":"AP8="}`,
		},
		{
			name:   "array key",
			key:    []string{"a"},
			cols:   []fsql.Column{arrayCol("a", fsql.KindText)},
			images: []string{`{"a":["x","y"]}`, `{"a": [ "x" , "\u0079" ]}`},
			want:   `{"a":["x","y"]}`,
		},
		{
			name:   "key column the table does not list",
			key:    []string{"k"},
			cols:   nil,
			images: []string{`{"k":{"a": [1, "\u0078"]}}`, `{"k":{"a":[1,"x"]}}`},
			want:   `{"k":{"a":[1,"x"]}}`,
		},
		{
			name:   "names are quoted",
			key:    []string{`we"ird`},
			cols:   []fsql.Column{col(`we"ird`, fsql.KindInteger)},
			images: []string{`{"we\"ird":1}`, `{"we\u0022ird":1}`},
			want:   `{"we\"ird":1}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tab := table(tc.key, tc.cols...)
			for _, img := range tc.images {
				for _, r := range []change.Row{
					{Op: change.OpCreate, After: []byte(img)},
					{Op: change.OpDelete, Before: []byte(img)},
				} {
					evs, err := change.FromRowAt(tab, r, now)
					if err != nil {
						t.Fatalf("%s: %v", img, err)
					}
					for _, e := range evs {
						if string(e.Key) != tc.want {
							t.Errorf("%s image %s: key %s, want %s", r.Op, img, e.Key, tc.want)
						}
					}
				}
				for _, other := range tc.images {
					evs, err := change.FromRowAt(tab, change.Row{Op: change.OpUpdate, Before: []byte(img), After: []byte(other)}, now)
					if err != nil {
						t.Fatal(err)
					}
					if len(evs) != 1 {
						t.Errorf("update %s -> %s gives %d events: the key is the same", img, other, len(evs))
					}
				}
			}
		})
	}
}

func TestExcludedColumnsAndExactJSONTexts(t *testing.T) {
	t.Parallel()
	tab := table([]string{"id"}, col("id", fsql.KindInteger), col("ssn", fsql.KindText), col("doc", fsql.KindJSON), col("raw", fsql.KindJSON))
	tab.Exclude = []string{"ssn"}
	for _, tc := range []struct{ image, want string }{
		{`{"id":1,"ssn":null,"doc":{"a": 1},"raw":null}`, `{"id":1,"doc":"{\"a\": 1}","raw":null}`},
		// The trigger gives the exact texts first where the image's are not:
		// a JSON null, white space around a value.
		{`{"ferry:json":{"doc":"null","raw":"  [1, \u0032]\t"},"id":1,"ssn":null,"doc":null,"raw":[1, 2]}`, `{"id":1,"doc":"null","raw":"  [1, 2]\t"}`},
	} {
		evs, err := change.FromRowAt(tab, change.Row{Op: change.OpCreate, After: []byte(tc.image)}, now)
		if err != nil {
			t.Fatalf("%s: %v", tc.image, err)
		}
		if got := parse(t, evs[0].Value).After; string(got) != tc.want {
			t.Errorf("image %s:\n after %s\n want  %s", tc.image, got, tc.want)
		}
	}
}

func TestUnlistedColumnsPassThrough(t *testing.T) {
	t.Parallel()
	tab := table([]string{"id"}, col("id", fsql.KindInteger), col("price", fsql.KindDecimal), col("odd", "geometry"))
	img := `{"id":1,"added":{"x": [1, 2.50]},"price":1.5,"odd":"(1,2)","later":12.30}`
	evs, err := change.FromRowAt(tab, change.Row{Op: change.OpCreate, After: []byte(img)}, now)
	if err != nil {
		t.Fatal(err)
	}
	got := string(parse(t, evs[0].Value).After)
	if want := `{"id":1,"added":{"x": [1, 2.50]},"price":"1.5","odd":"(1,2)","later":12.30}`; got != want {
		t.Errorf("after is\n %s\nwant\n %s", got, want)
	}
}

func TestImageOrderDoesNotMatter(t *testing.T) {
	t.Parallel()
	tab := table([]string{"id"}, col("id", fsql.KindInteger), col("a", fsql.KindDecimal), col("b", fsql.KindBinary), col("c", fsql.KindDecimal))
	// One after another, so that each image's order is not the one the
	// conversion predicts from the last.
	for _, img := range []string{
		`{"id":1,"a":1,"b":"\\x01","c":2}`,
		`{"c":2,"b":"\\x01","a":1,"id":1}`,
		`{"c":2,"b":"\\x01","a":1,"id":1}`,
		`{"b":"\\x01","id":1,"c":2,"a":1}`,
		`{"b":"\\x01","x":5,"c":2,"a":1,"id":1}`,
		`{"x":5,"b":"\\x01","id":1,"c":2,"a":1}`,
		`{"id":1,"a":1,"b":"\\x01","c":2}`,
	} {
		evs, err := change.FromRowAt(tab, change.Row{Op: change.OpCreate, After: []byte(img)}, now)
		if err != nil {
			t.Fatal(err)
		}
		var after map[string]any
		if err := json.Unmarshal(parse(t, evs[0].Value).After, &after); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"id": 1.0, "a": "1", "b": "AQ==", "c": "2"}
		if strings.Contains(img, `"x"`) {
			want["x"] = 5.0
		}
		if !reflect.DeepEqual(after, want) {
			t.Errorf("%s: after %v, want %v", img, after, want)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	emp := func() *change.Table {
		return table([]string{"id"},
			col("id", fsql.KindInteger), col("salary", fsql.KindInteger), col("rate", fsql.KindFloat),
			col("price", fsql.KindDecimal), col("photo", fsql.KindBinary), col("active", fsql.KindBool),
			col("name", fsql.KindText), col("born", fsql.KindDate), arrayCol("scores", fsql.KindInteger),
			col("at", fsql.KindTimestampTZ))
	}
	const prefix = `change seq 42 of hq public.emp`
	for _, tc := range []struct {
		name          string
		op            change.Op
		before, after string
		column, key   string
		want          string
	}{
		{"integer overflow by exponent", "c", "", `{"id":7,"salary":1e999999}`, "salary", `{"id":7}`,
			prefix + ` key {"id":7} column salary: value 1e999999 does not fit integer`},
		{"integer beyond int64", "c", "", `{"id":7,"salary":9223372036854775808}`, "salary", `{"id":7}`,
			prefix + ` key {"id":7} column salary: value 9223372036854775808 does not fit integer`},
		{"integer below int64", "c", "", `{"id":7,"salary":-9223372036854775809}`, "salary", `{"id":7}`,
			prefix + ` key {"id":7} column salary: value -9223372036854775809 does not fit integer`},
		{"integer with a fraction", "c", "", `{"id":7,"salary":1.5}`, "salary", `{"id":7}`,
			prefix + ` key {"id":7} column salary: value 1.5 does not fit integer`},
		{"integer as a string that is not one", "c", "", `{"id":7,"salary":"1e2"}`, "salary", `{"id":7}`,
			prefix + ` key {"id":7} column salary: value "1e2" does not fit integer`},
		{"timestamptz of another form", "c", "", `{"id":7,"name":"x","born":"2024-01-01","salary":1,"at":"2024-01-01 10:00:00+00"}`, "at", `{"id":7}`,
			prefix + ` key {"id":7} column at: value "2024-01-01 10:00:00+00" does not fit timestamptz`},
		{"key after the bad value", "c", "", `{"salary":1.5,"id":7}`, "salary", `{"id":7}`,
			prefix + ` key {"id":7} column salary: value 1.5 does not fit integer`},
		{"float overflow", "c", "", `{"id":7,"rate":1e400}`, "rate", `{"id":7}`,
			prefix + ` key {"id":7} column rate: value 1e400 does not fit float`},
		{"float other string", "c", "", `{"id":7,"rate":"inf"}`, "rate", `{"id":7}`,
			prefix + ` key {"id":7} column rate: value "inf" does not fit float`},
		{"decimal not a number", "c", "", `{"id":7,"price":"12,50"}`, "price", `{"id":7}`,
			prefix + ` key {"id":7} column price: value "12,50" does not fit decimal`},
		{"decimal as a bool", "c", "", `{"id":7,"price":true}`, "price", `{"id":7}`,
			prefix + ` key {"id":7} column price: value true does not fit decimal`},
		{"bytea bad hex", "c", "", `{"id":7,"photo":"\\xzz"}`, "photo", `{"id":7}`,
			prefix + ` key {"id":7} column photo: value "\\xzz" does not fit binary`},
		{"bytea odd digits", "c", "", `{"id":7,"photo":"\\x0"}`, "photo", `{"id":7}`,
			prefix + ` key {"id":7} column photo: value "\\x0" does not fit binary`},
		{"bytea escape form", "c", "", `{"id":7,"photo":"\\000"}`, "photo", `{"id":7}`,
			prefix + ` key {"id":7} column photo: value "\\000" does not fit binary`},
		{"bytea without prefix", "c", "", `{"id":7,"photo":"00ff"}`, "photo", `{"id":7}`,
			prefix + ` key {"id":7} column photo: value "00ff" does not fit binary`},
		{"bytea as a number", "c", "", `{"id":7,"photo":12}`, "photo", `{"id":7}`,
			prefix + ` key {"id":7} column photo: value 12 does not fit binary`},
		{"bool as a string", "c", "", `{"id":7,"active":"t"}`, "active", `{"id":7}`,
			prefix + ` key {"id":7} column active: value "t" does not fit bool`},
		{"text as a number", "c", "", `{"id":7,"name":5}`, "name", `{"id":7}`,
			prefix + ` key {"id":7} column name: value 5 does not fit text`},
		{"date as an object", "c", "", `{"id":7,"born":{"y": 2000}}`, "born", `{"id":7}`,
			prefix + ` key {"id":7} column born: value {"y": 2000} does not fit date`},
		{"bad array element", "c", "", `{"id":7,"scores":[1,[2,"x"]]}`, "scores", `{"id":7}`,
			prefix + ` key {"id":7} column scores: value "x" does not fit integer`},
		{"array as a scalar", "c", "", `{"id":7,"scores":1}`, "scores", `{"id":7}`,
			prefix + ` key {"id":7} column scores: value 1 does not fit array`},
		{"long value is cut", "c", "", `{"id":7,"salary":"` + strings.Repeat("é", 40) + `"}`, "salary", `{"id":7}`,
			prefix + ` key {"id":7} column salary: value "` + strings.Repeat("é", 31) + `… does not fit integer`},
		{"bad value in the before image", "u", `{"id":7,"salary":0.5}`, `{"id":7,"salary":1}`, "salary", `{"id":7}`,
			prefix + ` key {"id":7} column salary: value 0.5 does not fit integer`},
		{"first bad value is reported", "c", "", `{"id":7,"salary":0.5,"rate":"x"}`, "salary", `{"id":7}`,
			prefix + ` key {"id":7} column salary: value 0.5 does not fit integer`},
		{"bad key value", "c", "", `{"id":"7x"}`, "id", "",
			prefix + ` column id: value "7x" does not fit integer`},
		{"key missing", "c", "", `{"salary":1}`, "id", "",
			prefix + ` column id: key column is missing from the after image`},
		{"key null", "d", `{"id":null}`, "", "id", "",
			prefix + ` column id: key column is null in the before image`},
		{"column twice", "c", "", `{"id":7,"salary":1,"salary":2}`, "salary", "",
			prefix + ` column salary: column appears twice in the after image`},
		{"unlisted column twice", "c", "", `{"id":7,"x":1,"x":2}`, "x", "",
			prefix + ` column x: column appears twice in the after image`},
		{"image not an object", "c", "", `[{"id":7}]`, "", "",
			prefix + `: after image is not a JSON object`},
		{"image null", "c", "", `null`, "", "",
			prefix + `: after image is not a JSON object`},
		{"image empty", "c", "", ` `, "", "",
			prefix + `: after image is not a JSON object`},
		{"bad JSON in a value", "c", "", `{"id":7,"salary":}`, "salary", "",
			prefix + ` column salary: after image is not valid JSON: invalid character '}' at start of value at byte 17`},
		{"bad JSON between values", "c", "", `{"id":7 "salary":1}`, "", "",
			prefix + `: after image is not valid JSON: invalid character '"' after object value (expecting ',' or '}') at byte 8`},
		{"truncated image", "c", "", `{"id":7,"name":"ab`, "name", "",
			prefix + ` column name: after image is not valid JSON: unexpected EOF at byte 18`},
		{"text after the object", "c", "", `{"id":7} {}`, "", "",
			prefix + `: after image is not valid JSON: invalid character '{' after top-level value at byte 9`},
		{"invalid UTF-8", "c", "", "{\"id\":7,\"name\":\"a\xffb\"}", "name", "",
			prefix + ` column name: after image is not valid JSON: invalid UTF-8 at byte 17`},
		{"control character in a string", "c", "", "{\"id\":7,\"name\":\"a\nb\"}", "name", "",
			prefix + ` column name: after image is not valid JSON: invalid character '\n' in string (expecting non-control character) at byte 17`},
		{"create without after", "c", "", "", "", "",
			prefix + `: create has no after image`},
		{"update without before", "u", "", `{"id":7}`, "", "",
			prefix + `: update has no before image`},
		{"delete without before", "d", "", `{"id":7}`, "", "",
			prefix + `: delete has no before image`},
		{"unknown op", "x", "", `{"id":7}`, "", "",
			prefix + `: op "x" is not one of c, u, d, r, t, h`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := change.Row{Seq: 42, Op: tc.op}
			if tc.before != "" {
				r.Before = []byte(tc.before)
			}
			if tc.after != "" {
				r.After = []byte(tc.after)
			}
			evs, err := change.FromRowAt(emp(), r, now)
			if err == nil {
				t.Fatalf("no error; events %+v", evs)
			}
			var ve *change.ValueError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T %v is not a *ValueError", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n %s\nwant\n %s", err, tc.want)
			}
			if ve.Column != tc.column || ve.Key != tc.key || ve.Seq != 42 || ve.Source != "hq" || ve.Schema != "public" || ve.Table != "emp" {
				t.Errorf("error fields %+v, want column %q key %q", ve, tc.column, tc.key)
			}
		})
	}
}

func TestTableWithoutKey(t *testing.T) {
	t.Parallel()
	_, err := change.FromRowAt(table(nil, col("id", fsql.KindInteger)), change.Row{Seq: 1, Op: "c", After: []byte(`{"id":1}`)}, now)
	if want := `change seq 1 of hq public.emp: the table has no key columns`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestErrorWithoutSource(t *testing.T) {
	t.Parallel()
	err := &change.ValueError{Schema: "s", Table: "t", Seq: 3, Err: errors.New("x")}
	if got, want := err.Error(), "change seq 3 of s.t: x"; got != want {
		t.Errorf("error %s, want %s", got, want)
	}
}

// typesTable is migrations/capture_test.go's table of awkward types, as the
// registry lists it.
func typesTable() *change.Table {
	return &change.Table{Source: "hq", DB: "ferry_source", Schema: "public", Name: "types", Key: []string{"id"},
		Columns: []fsql.Column{
			col("id", fsql.KindInteger),
			col("c_smallint", fsql.KindInteger), col("c_integer", fsql.KindInteger), col("c_bigint", fsql.KindInteger),
			col("c_numeric", fsql.KindDecimal), col("c_numeric_free", fsql.KindDecimal),
			col("c_real", fsql.KindFloat), col("c_double", fsql.KindFloat),
			col("c_text", fsql.KindText), col("c_varchar", fsql.KindText), col("c_char", fsql.KindText),
			col("c_bytea", fsql.KindBinary), col("c_bool", fsql.KindBool),
			col("c_date", fsql.KindDate), col("c_time", fsql.KindTime), col("c_timestamp", fsql.KindTimestamp),
			col("c_timestamptz", fsql.KindTimestampTZ), col("c_interval", fsql.KindInterval),
			col("c_uuid", fsql.KindUUID), col("c_json", fsql.KindJSON), col("c_jsonb", fsql.KindJSON),
			arrayCol("c_int_array", fsql.KindInteger), arrayCol("c_text_array", fsql.KindText),
			col("c_empty", fsql.KindText), col("c_null", fsql.KindText),
		}, Values: postgres.Values{}}
}

// typesImage is row 1 of that test as row_to_json writes it.
const typesImage = `{"id":1,"c_smallint":-32768,"c_integer":-2147483648,"c_bigint":-9223372036854775808,` +
	`"c_numeric":1234567890123456789012345678.1234567890,"c_numeric_free":-0.000000000000000000000000000000000000000001234567890123456789,` +
	`"c_real":3.4028235e+38,"c_double":0.1,"c_text":"héllo wörld ✓ 日本語 🚀 \"quoted\" \\ back","c_varchar":"Ærøskøbing","c_char":"ab   ",` +
	`"c_bytea":"\\x00ff10fe","c_bool":true,"c_date":"0001-01-01","c_time":"23:59:59.999999","c_timestamp":"2024-02-29T13:14:15.123456",` +
	`"c_timestamptz":"2024-06-30T18:29:59.654321+00:00","c_interval":"P1Y2M3DT4H5M6.789S","c_uuid":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",` +
	`"c_json":{"b": [1, 2.50, "x"], "a": null},"c_jsonb":{"k": {"n": 100}},"c_int_array":[1,null,-3],"c_text_array":["a b","",null,"ü"],` +
	`"c_empty":"","c_null":null}`

func TestInsertEnvelopeGolden(t *testing.T) {
	t.Parallel()
	evs, err := change.FromRowAt(typesTable(), change.Row{Seq: 17, TxID: 1234567, Op: change.OpCreate, Ts: ts, After: []byte(typesImage)}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || string(evs[0].Key) != `{"id":1}` {
		t.Fatalf("events %+v", evs)
	}
	got := append(evs[0].Value, '\n')
	path := filepath.Join("testdata", "insert.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./change -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("envelope differs from %s (go test ./change -update rewrites it):\n got %s\nwant %s", path, got, want)
	}
}
