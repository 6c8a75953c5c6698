package sqlserver

import (
	"encoding/json"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// TestNeutral converts each image form the capture trigger writes (the
// texts of CONVERT with the styles valueExpr names) into the neutral form.
func TestNeutral(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ, image, want string
	}{
		{"bit", `true`, `true`},
		{"bit", `false`, `false`},
		{"tinyint", `255`, `255`},
		{"smallint", `-32768`, `-32768`},
		{"int", `2147483647`, `2147483647`},
		{"bigint", `-9223372036854775808`, `-9223372036854775808`},
		{"bigint", `9223372036854775807`, `9223372036854775807`},
		{"decimal(38,10)", `"9999999999999999999999999999.9999999999"`, `"9999999999999999999999999999.9999999999"`},
		{"decimal(38,10)", `"-0.0000000001"`, `"-0.0000000001"`},
		{"decimal(12,2)", `"1.50"`, `"1.50"`},
		{"decimal(12,2)", `"0.00"`, `"0.00"`},
		{"numeric(38,0)", `"99999999999999999999999999999999999999"`, `"99999999999999999999999999999999999999"`},
		{"numeric(38,0)", `"-99999999999999999999999999999999999999"`, `"-99999999999999999999999999999999999999"`},
		{"decimal(38,38)", `"0.99999999999999999999999999999999999999"`, `"0.99999999999999999999999999999999999999"`},
		{"decimal(38,38)", `"-.12345678901234567890123456789012345678"`, `"-0.12345678901234567890123456789012345678"`},
		{"money", `"922337203685477.5807"`, `"922337203685477.5807"`},
		{"money", `"-922337203685477.5808"`, `"-922337203685477.5808"`},
		{"money", `"1.5000"`, `"1.5000"`},
		{"smallmoney", `"-214748.3648"`, `"-214748.3648"`},
		{"float", `"1.7976931348623157E+308"`, `1.7976931348623157e+308`},
		{"float", `"-1.7976931348623157E+308"`, `-1.7976931348623157e+308`},
		{"float", `"4.9406564584124654E-324"`, `5e-324`},
		{"float", `"2.2250738585072014E-308"`, `2.2250738585072014e-308`},
		{"float", `"1.0000000000000001E-001"`, `0.1`},
		{"float", `"3.3333333333333331E-001"`, `0.3333333333333333`},
		{"float", `"1.0000000000000000E+021"`, `1e+21`},
		{"float", `"0.0000000000000000E+000"`, `0`},
		{"float", `"-0.0000000000000000E+000"`, `-0`},
		{"real", `"3.40282347E+038"`, `3.4028235e+38`},
		{"real", `"3.4028234663852886E+038"`, `3.4028235e+38`},
		{"real", `"1.00000001E-001"`, `0.1`},
		{"real", `"-1.17549435E-038"`, `-1.1754944e-38`},
		{"date", `"0001-01-01"`, `"0001-01-01"`},
		{"date", `"9999-12-31"`, `"9999-12-31"`},
		{"time(7)", `"13:45:00.1234567"`, `"13:45:00.1234567"`},
		{"time(7)", `"23:59:59.9999999"`, `"23:59:59.9999999"`},
		{"time(7)", `"00:00:00.0000000"`, `"00:00:00"`},
		{"time(3)", `"13:45:00.120"`, `"13:45:00.12"`},
		{"time(0)", `"13:45:00"`, `"13:45:00"`},
		{"datetime2(7)", `"0001-01-01 00:00:00.0000000"`, `"0001-01-01T00:00:00"`},
		{"datetime2(7)", `"9999-12-31 23:59:59.9999999"`, `"9999-12-31T23:59:59.9999999"`},
		{"datetime2(0)", `"2024-01-02 13:45:00"`, `"2024-01-02T13:45:00"`},
		{"datetime", `"2024-01-02 13:45:00.003"`, `"2024-01-02T13:45:00.003"`},
		{"datetime", `"1753-01-01 00:00:00.000"`, `"1753-01-01T00:00:00"`},
		{"datetime", `"9999-12-31 23:59:59.997"`, `"9999-12-31T23:59:59.997"`},
		{"smalldatetime", `"2079-06-06 23:59:00"`, `"2079-06-06T23:59:00"`},
		{"datetimeoffset(7)", `"2024-01-02 13:45:00.1234567 +14:00"`, `"2024-01-02T13:45:00.1234567+14:00"`},
		{"datetimeoffset(7)", `"0001-01-01 00:00:00.0000000 -14:00"`, `"0001-01-01T00:00:00-14:00"`},
		{"datetimeoffset(7)", `"9999-12-31 23:59:59.9999999 +00:00"`, `"9999-12-31T23:59:59.9999999+00:00"`},
		{"datetimeoffset(0)", `"2026-03-29 03:30:00 +02:00"`, `"2026-03-29T03:30:00+02:00"`},
		{"nvarchar(max)", `""`, `""`},
		{"nvarchar(max)", `null`, `null`},
		{"nvarchar(10)", `"😀 beyond the BMP"`, `"😀 beyond the BMP"`},
		{"nvarchar(10)", `"a\/b \"q\" \u0001\n"`, `"a/b \"q\" \u0001\n"`},
		{"varchar(10)", `"café"`, `"café"`},
		{"char(5)", `"ab   "`, `"ab   "`},
		{"xml", `"<a b=\"1\">x<\/a>"`, `"<a b=\"1\">x</a>"`},
		{"text", `"old"`, `"old"`},
		{"varbinary(max)", `""`, `""`},
		{"varbinary(10)", `"00FF10"`, `"AP8Q"`},
		{"binary(4)", `"DEADBEEF"`, `"3q2+7w=="`},
		{"image", `"0102"`, `"AQI="`},
		{"rowversion", `"00000000000007D1"`, `"AAAAAAAAB9E="`},
		{"uniqueidentifier", `"6F9619FF-8B86-D011-B42D-00C04FC964FF"`, `"6f9619ff-8b86-d011-b42d-00c04fc964ff"`},
		{"json", `"{\"a\":[1,2]}"`, `"{\"a\":[1,2]}"`},
	} {
		got, err := Neutral(fsql.Column{Name: "c", Type: tc.typ}, json.RawMessage(tc.image))
		if err != nil {
			t.Errorf("%s %s: %v", tc.typ, tc.image, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("%s %s: got %s, want %s", tc.typ, tc.image, got, tc.want)
		}
	}
}

func TestNeutralRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ typ, image string }{
		{"bit", `1`},
		{"int", `"1"`},
		{"int", `1.5`},
		{"decimal(10,2)", `1.5`},
		{"decimal(10,2)", `"1E5"`},
		{"float", `"abc"`},
		{"date", `"2024-02-30"`},
		{"date", `"24-01-02"`},
		{"time(7)", `"25:00:00"`},
		{"time(7)", `"13:45:00.1234567890"`},
		{"datetimeoffset(7)", `"2024-01-02 13:45:00"`},
		{"uniqueidentifier", `"6F9619FF8B86D011B42D00C04FC964FF"`},
		{"varbinary(10)", `"0G"`},
		{"json", `"{not json"`},
		{"sql_variant", `"x"`},
	} {
		if got, err := Neutral(fsql.Column{Name: "c", Type: tc.typ}, json.RawMessage(tc.image)); err == nil {
			t.Errorf("%s %s: accepted as %s", tc.typ, tc.image, got)
		}
	}
}

func TestNeutralImage(t *testing.T) {
	t.Parallel()
	cols := []fsql.Column{{Name: "id", Type: "int"}, {Name: "a.b", Type: "money"}, {Name: "raw", Type: "varbinary(max)"}}
	got, err := NeutralImage(cols, []byte(`{"id":1,"a.b":"1.5000","raw":"CAFE","added later":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":1,"a.b":"1.5000","raw":"yv4=","added later":"x"}`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if _, err := NeutralImage(cols, []byte(`{"id":"x"}`)); err == nil || !strings.Contains(err.Error(), "column id") {
		t.Fatalf("got %v, want an error naming the column", err)
	}
}

// TestTriggerFormsRoundTrip feeds every golden sample image (as the trigger
// writes them, testdata/images.json) through NeutralImage and compares the
// result with the neutral envelope images expected (testdata/neutral.json):
// the cross-vendor samples the PostgreSQL target is tested with.
func TestTriggerFormsRoundTrip(t *testing.T) {
	t.Parallel()
	tbl := everyType()
	var images, want []json.RawMessage
	readJSON(t, "images.json", &images)
	readJSON(t, "neutral.json", &want)
	if len(images) != len(want) {
		t.Fatalf("%d images, %d neutral forms", len(images), len(want))
	}
	for i, img := range images {
		got, err := NeutralImage(tbl.Columns, img)
		if err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		if string(got) != string(compact(t, want[i])) {
			t.Errorf("image %d:\n got %s\nwant %s", i, got, compact(t, want[i]))
		}
	}
}
