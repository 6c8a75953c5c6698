package change

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzScan holds the hand-written scanner to encoding/json's: the same
// documents are valid (valid UTF-8 being required), strings decode to the
// same text, and the canonical form means the same value.
func FuzzScan(f *testing.F) {
	for _, seed := range []string{
		`{"a":[1,-0.5e+3,true,false,null,"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude80\ud800"]}`,
		` [ ] `, `{}`, `"`, `01`, `1.`, `-`, `1e`, `"\u12"`, "\"\x01\"", "\"\xff\"", `[1,]`, `{"a" 1}`, `nul`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		i := skipSpace(b, 0)
		end, err := scanValue(b, i, 0)
		mine := err == nil && skipSpace(b, end) == len(b)
		if want := json.Valid(b) && utf8.Valid(b); mine != want {
			t.Fatalf("scanner says valid=%v (%v), encoding/json %v: %q", mine, err, want, b)
		}
		if !mine {
			return
		}
		v := b[i:end]
		if v[0] == '"' {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				t.Fatal(err)
			}
			if got := appendUnquoted(nil, v); string(got) != s {
				t.Fatalf("unquoted %q, encoding/json %q", got, s)
			}
			if q := appendQuoted(nil, s); !json.Valid(q) {
				t.Fatalf("quoted %q is not JSON", q)
			}
		}
		canon := appendCanonical(nil, v)
		x, err := decodeAny(v)
		if err != nil {
			t.Fatal(err)
		}
		y, err := decodeAny(canon)
		if err != nil {
			t.Fatalf("canonical form %q is not JSON: %v", canon, err)
		}
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("canonical form %q means %v, the value %v", canon, y, x)
		}
		if again := appendCanonical(nil, canon); string(again) != string(canon) {
			t.Fatalf("canonical form is not stable: %q then %q", canon, again)
		}
	})
}

// decodeAny keeps numbers as their text: JSON allows any size.
func decodeAny(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}
