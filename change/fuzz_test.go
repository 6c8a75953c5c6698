package change_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ferry-cdc/ferry/change"
	fsql "github.com/ferry-cdc/ferry/sql"
)

func fuzzTable() *change.Table {
	return table([]string{"id"},
		col("id", fsql.KindInteger), col("n", fsql.KindDecimal), col("f", fsql.KindFloat),
		col("b", fsql.KindBinary), col("j", fsql.KindJSON), col("ok", fsql.KindBool), col("s", fsql.KindText),
		arrayCol("ia", fsql.KindInteger), arrayCol("ja", fsql.KindJSON), arrayCol("na", fsql.KindDecimal))
}

// FuzzFromRow feeds arbitrary bytes as an after image: FromRow must not
// panic, and what it accepts must decode back to the image's values.
func FuzzFromRow(f *testing.F) {
	for _, seed := range []string{
		`{"id":1,"n":1.50,"f":0.1,"b":"\\x00ff","j":{"a": [1, 2]},"ok":true,"s":"héllo \"x\"","ia":[[1,2],[3,null]],"ja":[{"a":1},[1],null],"na":[1.5,"NaN"],"extra":{"x":1}}`,
		`{"id":-9223372036854775808,"n":"-Infinity","f":"NaN","b":"\\x","j":null,"ok":false,"s":"","ia":[],"ja":[],"na":null}`,
		`{"s":"\ud83d\ude80\u0000","id":2,"b":"\u005cx0A"}`,
		`{"id":1,"f":1e309}`, `{"id":1,"b":"\\x0g"}`, `{"id":1.5}`, `{"id":1,"id":2}`, `[1]`, `{"id":1,"s":"a`, "{\"id\":1,\"s\":\"\xff\"}",
		typesImage,
	} {
		f.Add([]byte(seed))
	}
	tab := fuzzTable()
	f.Fuzz(func(t *testing.T, image []byte) {
		evs, err := change.FromRowAt(tab, change.Row{Seq: 1, Op: change.OpCreate, After: image}, now)
		if err != nil {
			var ve *change.ValueError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *ValueError: %v", err, err)
			}
			return
		}
		if !json.Valid(image) {
			t.Fatalf("accepted an image that is not JSON: %q", image)
		}
		if len(evs) != 1 || !json.Valid(evs[0].Key) || !json.Valid(evs[0].Value) {
			t.Fatalf("events %+v", evs)
		}
		again, err := change.FromRowAt(tab, change.Row{Seq: 1, Op: change.OpCreate, After: image}, now)
		if err != nil || !bytes.Equal(again[0].Value, evs[0].Value) || !bytes.Equal(again[0].Key, evs[0].Key) {
			t.Fatalf("a second conversion differs: %v", err)
		}
		var in, out map[string]json.RawMessage
		if err := json.Unmarshal(image, &in); err != nil {
			t.Fatalf("image: %v", err)
		}
		if err := json.Unmarshal(parse(t, evs[0].Value).After, &out); err != nil {
			t.Fatalf("after: %v", err)
		}
		if len(in) != len(out) {
			t.Fatalf("image has %d columns, after %d", len(in), len(out))
		}
		for _, c := range tab.Columns {
			raw, ok := out[c.Name]
			if !ok {
				continue
			}
			v, err := change.DecodeValue(c.Kind, c.Elem, raw)
			if err != nil {
				t.Fatalf("column %s: FromRow wrote %s, which does not decode: %v", c.Name, raw, err)
			}
			checkSame(t, c, in[c.Name], v)
		}
		for name, raw := range in {
			if !listed(tab, name) && !bytes.Equal(raw, out[name]) {
				t.Fatalf("unlisted column %s: %s became %s", name, raw, out[name])
			}
		}
	})
}

func listed(tab *change.Table, name string) bool {
	for _, c := range tab.Columns {
		if c.Name == name {
			return true
		}
	}
	return false
}

// checkSame checks a decoded value against the image's value, read with
// encoding/json.
func checkSame(t *testing.T, c fsql.Column, in json.RawMessage, v any) {
	t.Helper()
	if string(in) == "null" {
		if v != nil {
			t.Fatalf("column %s: null decodes to %#v", c.Name, v)
		}
		return
	}
	var want any
	switch c.Kind {
	case fsql.KindInteger:
		n, _ := strconv.ParseInt(string(in), 10, 64)
		want = n
	case fsql.KindDecimal:
		want = string(in)
		if in[0] == '"' {
			var s string
			json.Unmarshal(in, &s)
			want = s
		}
	case fsql.KindFloat:
		if in[0] == '"' {
			var s string
			json.Unmarshal(in, &s)
			want = s
		} else {
			want, _ = strconv.ParseFloat(string(in), 64)
		}
	case fsql.KindBinary:
		var s string
		json.Unmarshal(in, &s)
		b, err := hex.DecodeString(strings.TrimPrefix(s, `\x`))
		if err != nil {
			t.Fatalf("column %s: %s is not hex but was accepted", c.Name, in)
		}
		want = b
	case fsql.KindJSON:
		want = string(in)
	case fsql.KindArray:
		return // elements are checked through DecodeValue above
	default:
		json.Unmarshal(in, &want)
	}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("column %s: image %s decodes to %#v, want %#v", c.Name, in, v, want)
	}
}
