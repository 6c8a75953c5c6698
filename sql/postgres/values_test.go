package postgres

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// TestNeutralFromImages: each kind's image text, as row_to_json writes it
// under the capture's settings, becomes its neutral form.
func TestNeutralFromImages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind, elem fsql.Kind
		image      string
		want       string // "" for a value that does not fit
	}{
		{fsql.KindInteger, "", `42`, `42`},
		{fsql.KindInteger, "", `"4294967295"`, `4294967295`}, // oid
		{fsql.KindInteger, "", `1.5`, ""},
		{fsql.KindDecimal, "", `1.50`, `"1.50"`},
		{fsql.KindDecimal, "", `"NaN"`, `"NaN"`},
		{fsql.KindDecimal, "", `"1e5"`, `"1e5"`},
		{fsql.KindDecimal, "", `"abc"`, ""},
		{fsql.KindFloat, "", `0.1`, `0.1`},
		{fsql.KindFloat, "", `"-Infinity"`, `"-Infinity"`},
		{fsql.KindFloat, "", `1e400`, ""},
		{fsql.KindBinary, "", `"\\x00ff10"`, `"AP8Q"`},
		{fsql.KindBinary, "", `"\\x"`, `""`},
		{fsql.KindBinary, "", `"\\x0"`, ""},
		{fsql.KindBinary, "", `"00ff"`, ""},
		{fsql.KindJSON, "", `{"a": [1, 2.50]}`, `"{\"a\": [1, 2.50]}"`},
		{fsql.KindBool, "", `true`, `true`},
		{fsql.KindDate, "", `"2024-02-29"`, `"2024-02-29"`},
		{fsql.KindDate, "", `"0044-03-15 BC"`, `"-0043-03-15"`},
		{fsql.KindDate, "", `"0001-01-01 BC"`, `"0000-01-01"`},
		{fsql.KindDate, "", `"infinity"`, `"infinity"`},
		{fsql.KindTimestamp, "", `"4713-01-01T00:00:00 BC"`, `"-4712-01-01T00:00:00"`},
		{fsql.KindTimestamp, "", `"2024-01-01T10:00:00.5"`, `"2024-01-01T10:00:00.5"`},
		{fsql.KindTimestampTZ, "", `"2024-06-30T23:59:59.654321+05:30"`, `"2024-06-30T18:29:59.654321+00:00"`},
		{fsql.KindTimestampTZ, "", `"1850-01-01T05:41:16+05:41:16"`, `"1850-01-01T00:00:00+00:00"`},
		{fsql.KindTimestampTZ, "", `"0044-03-15T12:00:00+01:00 BC"`, `"-0043-03-15T11:00:00+00:00"`},
		{fsql.KindTimestampTZ, "", `"2024-01-01 10:00:00+00"`, ""},
		{fsql.KindTime, "", `"23:59:59.999999"`, `"23:59:59.999999"`},
		{fsql.KindTime, "", `"12:00:00+00"`, `"12:00:00+00:00"`},
		{fsql.KindTime, "", `"00:00:00-15:59"`, `"00:00:00-15:59"`},
		{fsql.KindInterval, "", `"P1Y2M3DT4H5M6.789S"`, `"P1Y2M3DT4H5M6.789S"`},
		{fsql.KindArray, fsql.KindBinary, `["\\x00",null,"\\x"]`, `["AA==",null,""]`},
		{fsql.KindArray, fsql.KindDate, `[["0044-03-15 BC"],["2024-01-01"]]`, `[["-0043-03-15"],["2024-01-01"]]`},
		{fsql.KindArray, fsql.KindInteger, `"[0:1]={7,8}"`, `"[0:1]={7,8}"`},
		{fsql.KindArray, fsql.KindInteger, `[1,"x"]`, ""},
	} {
		c := &fsql.Column{Name: "v", Kind: tc.kind, Elem: tc.elem}
		got, err := Values{}.AppendNeutral(nil, c, []byte(tc.image))
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%s %s: %s, want an error", tc.kind, tc.image, got)
		case tc.want != "" && err != nil:
			t.Errorf("%s %s: %v", tc.kind, tc.image, err)
		case tc.want != "" && string(got) != tc.want:
			t.Errorf("%s %s: %s, want %s", tc.kind, tc.image, got, tc.want)
		}
	}
}

// TestInputFromNeutral: a neutral value becomes what PostgreSQL's input
// reads, and one the column would round is refused with its reason.
func TestInputFromNeutral(t *testing.T) {
	t.Parallel()
	limited := func(kind fsql.Kind, base string, precision, scale int) *fsql.Column {
		return &fsql.Column{Name: "v", Kind: kind, BaseType: base, Type: base, Limits: true, Precision: precision, Scale: scale}
	}
	for _, tc := range []struct {
		c       *fsql.Column
		neutral string
		want    string // "" for a refusal
	}{
		{&fsql.Column{Kind: fsql.KindBinary}, `"AP8Q"`, `"\\x00ff10"`},
		{&fsql.Column{Kind: fsql.KindBinary}, `"AP8"`, ""},
		// A json value stays the string of its text, which the statement
		// casts (populated): JSON null must not read as SQL NULL.
		{&fsql.Column{Kind: fsql.KindJSON}, `"{\"a\": 1}"`, `"{\"a\": 1}"`},
		{&fsql.Column{Kind: fsql.KindJSON}, `"null"`, `"null"`},
		{&fsql.Column{Kind: fsql.KindJSON}, `{"a": 1}`, `{"a": 1}`},
		// JSON null apart from SQL NULL: the array's text form (jsonArray).
		{&fsql.Column{Kind: fsql.KindArray, Elem: fsql.KindJSON}, `["null",null,"[1]"]`, `"{\"null\",NULL,\"[1]\"}"`},
		{&fsql.Column{Kind: fsql.KindArray, Elem: fsql.KindJSON}, `["\"a\\\\b\"",{"x":1}]`, `"{\"\\\"a\\\\\\\\b\\\"\",\"{\\\"x\\\":1}\"}"`},
		{&fsql.Column{Kind: fsql.KindJSON}, `"{"`, ""},
		{&fsql.Column{Kind: fsql.KindDate}, `"-0043-03-15"`, `"0044-03-15 BC"`},
		{&fsql.Column{Kind: fsql.KindDate}, `"0000-01-01"`, `"0001-01-01 BC"`},
		{&fsql.Column{Kind: fsql.KindTimestampTZ}, `"2026-03-29T03:30:00+02:00[Europe/Berlin]"`, `"2026-03-29T03:30:00+02:00"`},
		{&fsql.Column{Kind: fsql.KindTimestampTZ}, `"2024-01-01T00:00:00.1234567+00:00"`, ""},
		{limited(fsql.KindTimestamp, "timestamp", fsql.NoLimit, 3), `"2024-01-01T00:00:00.123"`, `"2024-01-01T00:00:00.123"`},
		{limited(fsql.KindTimestamp, "timestamp", fsql.NoLimit, 3), `"2024-01-01T00:00:00.1230000"`, `"2024-01-01T00:00:00.1230000"`},
		{limited(fsql.KindTimestamp, "timestamp", fsql.NoLimit, 3), `"2024-01-01T00:00:00.1234"`, ""},
		{limited(fsql.KindTime, "time", fsql.NoLimit, 6), `"13:45:00.1234567"`, ""},
		{limited(fsql.KindTime, "time", fsql.NoLimit, 6), `"13:45:00+02:00"`, ""},
		{limited(fsql.KindTime, "timetz", fsql.NoLimit, 6), `"13:45:00+02:00"`, `"13:45:00+02:00"`},
		{limited(fsql.KindDecimal, "numeric", 10, 2), `"1.50"`, `"1.50"`},
		{limited(fsql.KindDecimal, "numeric", 10, 2), `"1.5000"`, `"1.5000"`},
		{limited(fsql.KindDecimal, "numeric", 10, 2), `"1.505"`, ""},
		{limited(fsql.KindDecimal, "numeric", 10, -2), `"1200"`, `"1200"`},
		{limited(fsql.KindDecimal, "numeric", 10, -2), `"1250"`, ""},
		{limited(fsql.KindDecimal, "numeric", 10, 2), `"NaN"`, `"NaN"`},
		{limited(fsql.KindFloat, "float4", 24, fsql.NoLimit), `3.4028235e+38`, `3.4028235e+38`},
		{limited(fsql.KindFloat, "float4", 24, fsql.NoLimit), `0.1`, `0.1`},
		{limited(fsql.KindFloat, "float4", 24, fsql.NoLimit), `0.30000000000000004`, ""},
		{limited(fsql.KindFloat, "float8", 53, fsql.NoLimit), `0.30000000000000004`, `0.30000000000000004`},
		{limited(fsql.KindInterval, "interval", fsql.NoLimit, 6), `"PT1.1234567S"`, ""},
		{&fsql.Column{Kind: fsql.KindArray, Elem: fsql.KindBinary}, `[["AA=="],[null]]`, `[["\\x00"],[null]]`},
	} {
		got, err := inputValue(nil, tc.c, []byte(tc.neutral))
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%s %s: %s, want a refusal", tc.c.Kind, tc.neutral, got)
		case tc.want != "" && err != nil:
			t.Errorf("%s %s: %v", tc.c.Kind, tc.neutral, err)
		case tc.want != "" && string(got) != tc.want:
			t.Errorf("%s %s: %s, want %s", tc.c.Kind, tc.neutral, got, tc.want)
		}
	}
}

// TestRowsJSONNamesTheKey: a refused value's error names table, column and key.
func TestRowsJSONNamesTheKey(t *testing.T) {
	t.Parallel()
	tab := &fsql.Table{Schema: "public", Name: "emp", Columns: []fsql.Column{
		{Name: "id", Kind: fsql.KindInteger},
		{Name: "pay", Kind: fsql.KindDecimal, BaseType: "numeric", Type: "numeric(10,2)", Limits: true, Precision: 10, Scale: 2},
	}}
	_, err := rowsJSON(tab, []string{"id"}, []string{"id", "pay"}, [][]json.RawMessage{{json.RawMessage(`7`), json.RawMessage(`"1.005"`)}})
	var ve *fsql.ValueError
	if !errors.As(err, &ve) || ve.Table != "public.emp" || ve.Column != "pay" || ve.Key != `{"id":7}` ||
		!strings.Contains(err.Error(), "keeps 2") {
		t.Fatalf("error %v", err)
	}
}
