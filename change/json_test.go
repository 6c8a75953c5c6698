package change_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ferry-cdc/ferry/change"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// FuzzKey puts arbitrary bytes as the value of a key column the table does
// not list, which FromRow passes through as it reads it: FromRow must
// accept exactly the images encoding/json does (valid UTF-8 being
// required), and the key must mean the value and be its canonical form:
// converting the key's value again gives the same bytes.
func FuzzKey(f *testing.F) {
	for _, seed := range []string{
		`{"a":[1,-0.5e+3,true,false,null,"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude80\ud800"]}`,
		`{"a": 1, "a": [ 2 , {} ]}`, ` "\u0000\u001f\u007f\u2028\\" `, `"\ud83d\u0041\udc00"`,
		` [ ] `, `{}`, `"`, `01`, `1.`, `-`, `1e`, `"\u12"`, "\"\x01\"", "\"\xff\"", `[1,]`, `{"a" 1}`, `nul`, `null`,
		strings.Repeat("2", 300), strings.Repeat("[", 20) + strings.Repeat("]", 20),
	} {
		f.Add([]byte(seed))
	}
	tab := table([]string{"k"})
	f.Fuzz(func(t *testing.T, v []byte) {
		image := []byte(`{"k":` + string(v) + `}`)
		evs, err := change.FromRowAt(tab, change.Row{Seq: 1, Op: change.OpCreate, After: image}, now)
		valid := json.Valid(image) && utf8.Valid(image)
		if err != nil {
			if valid && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
				t.Fatalf("refused the valid image %q: %v", image, err)
			}
			return
		}
		if !valid {
			t.Fatalf("accepted the image %q, which is not valid JSON", image)
		}
		if len(evs) != 1 || !json.Valid(evs[0].Value) || !json.Valid(evs[0].Key) {
			t.Fatalf("events %+v", evs)
		}
		var key struct{ K json.RawMessage }
		if err := json.Unmarshal(evs[0].Key, &key); err != nil {
			t.Fatal(err)
		}
		x, y := decodeAny(t, v), decodeAny(t, key.K)
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("key %s means %#v, the value %q %#v", evs[0].Key, y, v, x)
		}
		again, err := change.FromRowAt(tab, change.Row{Seq: 1, Op: change.OpCreate, After: evs[0].Key}, now)
		if err != nil || !bytes.Equal(again[0].Key, evs[0].Key) {
			t.Fatalf("key %s is not canonical: %v", evs[0].Key, err)
		}
		if s, ok := x.(string); ok {
			got, err := change.DecodeValue(fsql.KindText, "", key.K)
			if err != nil || got != s {
				t.Fatalf("DecodeValue(text, %s) = %q, %v; encoding/json reads %q", key.K, got, err, s)
			}
		}
	})
}

// decodeAny keeps numbers as their text: JSON allows any size.
func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return v
}

// FuzzDecodeValue feeds arbitrary bytes to DecodeValue as each kind: it
// must not panic, and must refuse what is not JSON.
func FuzzDecodeValue(f *testing.F) {
	for _, seed := range []string{
		`"1.50"`, `1.50`, `"NaN"`, `-9223372036854775808`, `1e309`, `"AP8="`, `"AP9="`, `true`, `null`,
		`"{\"a\":1}"`, ` [[1, null], [3,4]] `, `["a", "\ud800"]`, `[1,"2"]`, `[[[`, `1 2`, `01`, ``, "\"\xff\"",
	} {
		f.Add([]byte(seed))
	}
	kinds := []fsql.Column{
		col("", fsql.KindDecimal), col("", fsql.KindInteger), col("", fsql.KindFloat), col("", fsql.KindBinary),
		col("", fsql.KindBool), col("", fsql.KindJSON), col("", fsql.KindText), col("", "money"),
		arrayCol("", fsql.KindInteger), arrayCol("", fsql.KindText), arrayCol("", fsql.KindDecimal), arrayCol("", ""),
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		valid := json.Valid(raw) && utf8.Valid(raw)
		for _, c := range kinds {
			if _, err := change.DecodeValue(c.Kind, c.Elem, raw); err == nil && !valid {
				t.Fatalf("DecodeValue(%s, %s, %q) accepts what is not JSON", c.Kind, c.Elem, raw)
			}
		}
	})
}
