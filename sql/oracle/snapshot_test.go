package oracle

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// placeholders counts the distinct :n placeholders of a statement and
// checks they run 1..n in order of appearance, as go-ora binds them.
func placeholders(t *testing.T, q string) int {
	t.Helper()
	n := 0
	for _, m := range regexp.MustCompile(`:(\d+)`).FindAllStringSubmatch(q, -1) {
		n++
		if m[1] != strconv.Itoa(n) {
			t.Fatalf("placeholder :%s where :%d was due in\n%s", m[1], n, q)
		}
	}
	return n
}

// TestReaderArgsMatchPlaceholders: for every bound the statement's
// placeholders and the arguments built for a key agree in number, so each
// bound value lands where the SQL compares it.
func TestReaderArgsMatchPlaceholders(t *testing.T) {
	t.Parallel()
	r, err := newReader(fsql.ReadSpec{Table: rawKeys(), Key: []string{"TENANT", "ID", "AT"}}, readFacts{charset: "AL32UTF8"})
	if err != nil {
		t.Fatal(err)
	}
	key := []byte(`{"TENANT":"acme","ID":"AAECAwQFBgcICQoLDA0ODw==","AT":"2024-03-31T02:30:00.5+02:00[Europe/Paris]"}`)
	for _, c := range []struct {
		after, until []byte
	}{{nil, nil}, {key, nil}, {nil, key}, {key, key}} {
		q, args, err := r.chunkArgs(c.after, c.until, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(args), placeholders(t, q); got != want {
			t.Errorf("%d arguments for %d placeholders in\n%s", got, want, q)
		}
		if args[len(args)-1] != int64(10) {
			t.Errorf("the last argument is %v, want the limit", args[len(args)-1])
		}
	}
	// The after bound of a 3-column key binds column 1 three times, column
	// 2 twice and column 3 (a zone: two values) once, then the limit:
	// T; T ID; T ID AT AT-zone; limit.
	_, args, _ := r.chunkArgs(key, nil, 10)
	if len(args) != 8 {
		t.Fatalf("%d arguments, want 8: %v", len(args), args)
	}
	if got := bindText(args[3]); got != "acme" {
		t.Errorf("argument 4 is %v, want the tenant again", got)
	}
	if got := bindText(args[4]); got != "000102030405060708090a0b0c0d0e0f" {
		t.Errorf("argument 5 is %v, want the RAW key's bytes", got)
	}
	if got := bindText(args[6]); got != "Europe/Paris" {
		t.Errorf("argument 7 is %v, want the zone's region", got)
	}
	if placeholders(t, r.keys) != 1 {
		t.Errorf("the keys read binds one document")
	}
}

// TestReaderRefusesKeys: a key without a value, or one its column cannot
// hold, is an error naming the column, never a read from the first row.
func TestReaderRefusesKeys(t *testing.T) {
	t.Parallel()
	r, err := newReader(fsql.ReadSpec{Table: composite(), Key: []string{"ACCOUNT", "BOOKED_ON", "LINE"}}, readFacts{charset: "AL32UTF8"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ key, want string }{
		{`{"ACCOUNT":"A","BOOKED_ON":"2024-01-01T00:00:00"}`, "no value for column LINE"},
		{`{"ACCOUNT":"A","BOOKED_ON":"2024-01-01T00:00:00","LINE":null}`, "no value for column LINE"},
		{`{"ACCOUNT":"A","BOOKED_ON":"2024-01-01T00:00:00.5","LINE":1}`, "BOOKED_ON"},
		{`["A"]`, "not a JSON object"},
	} {
		_, _, err := r.chunkArgs([]byte(c.key), nil, 10)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.key, err, c.want)
		}
	}
	var ve *ValueError
	if _, _, err := r.chunkArgs([]byte(`{"ACCOUNT":"A","BOOKED_ON":"x","LINE":1}`), nil, 1); !errors.As(err, &ve) || ve.Column != "BOOKED_ON" {
		t.Errorf("got %v, want a ValueError for BOOKED_ON", err)
	}
	if _, err := newReader(fsql.ReadSpec{Table: allTypes(), Key: []string{"DOC"}}, readFacts{}); err == nil || !strings.Contains(err.Error(), "cannot be a key") {
		t.Errorf("a CLOB key: got %v", err)
	}
}

// TestByteOrder: text keys are compared as stored (the index serves them)
// only where that is the order asked for.
func TestByteOrder(t *testing.T) {
	t.Parallel()
	v := fsql.Column{Name: "V", Type: "VARCHAR2(20 BYTE)"}
	nv := fsql.Column{Name: "NV", Type: "NVARCHAR2(20)"}
	num := fsql.Column{Name: "N", Type: "NUMBER(10)"}
	utf8 := readFacts{charset: "AL32UTF8"}
	latin := readFacts{charset: "WE8MSWIN1252"}
	ci := readFacts{charset: "AL32UTF8", collation: map[string]string{"V": "BINARY_CI"}}
	for _, c := range []struct {
		col       fsql.Column
		f         readFacts
		codePoint bool
		want      bool
	}{
		{v, utf8, false, true}, {v, utf8, true, true},
		{v, latin, false, true}, {v, latin, true, false},
		{v, ci, false, false}, {v, ci, true, false},
		{nv, utf8, false, true}, {nv, utf8, true, false},
		{num, latin, true, true},
	} {
		if got := byteOrder(c.col, c.f, c.codePoint); got != c.want {
			t.Errorf("%s in %s %v, code point %v: got %v", c.col.Type, c.f.charset, c.f.collation, c.codePoint, got)
		}
	}
}

// TestSplice: binary values selected beside an image land in it as the
// trigger's base64, null stays null, an empty BLOB is "", and the other
// values keep their bytes.
func TestSplice(t *testing.T) {
	t.Parallel()
	img := []byte(`{"ID":"1","R":"-","B":"-","E":"-","N":null,"S":"a\u00e9\"b"}`)
	got, err := splice(img, []string{"R", "B", "E", "N"}, [][]byte{{0xff, 0x00}, []byte("hello"), nil, nil})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ID":"1","R":"/wA=","B":"aGVsbG8=","E":"","N":null,"S":"a\u00e9\"b"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Through Values, the spliced image is the neutral one a trigger's
	// image gives.
	cols := []fsql.Column{{Name: "ID", Type: "NUMBER(10)", Kind: fsql.KindInteger}, {Name: "R", Type: "RAW(2)", Kind: fsql.KindBinary}}
	n, err := Values{}.Image(cols, []byte(`{"ID":"1","R":"/wA="}`))
	if err != nil || string(n) != `{"ID":1,"R":"/wA="}` {
		t.Errorf("got %s, %v", n, err)
	}
	if _, err := splice([]byte(`[1]`), []string{"R"}, [][]byte{nil}); err == nil {
		t.Error("a non-object image was spliced")
	}
}

// TestNoDropTableIfExists: Oracle 19c has no DROP TABLE IF EXISTS; the
// statement Ferry runs is a PL/SQL block that ignores only ORA-00942, and no
// golden file (every statement Ferry generates) uses IF EXISTS.
func TestNoDropTableIfExists(t *testing.T) {
	t.Parallel()
	q := fsql.DropTableIfExists(Dialect{}, ident("FERRY", "GOOSE_DB_VERSION"))
	if strings.Contains(q, "IF EXISTS") || !strings.Contains(q, "SQLCODE != -942") {
		t.Errorf("got %s", q)
	}
	files, _ := filepath.Glob("testdata/*.sql")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if regexp.MustCompile(`(?i)\bIF\s+(NOT\s+)?EXISTS\b`).Match(b) {
			t.Errorf("%s uses IF [NOT] EXISTS, which Oracle 19c lacks", f)
		}
	}
	for _, m := range must2(fsql.RenderSchema(capture{}.SchemaFiles(), ident("FERRY"))) {
		if regexp.MustCompile(`(?i)\bIF\s+(NOT\s+)?EXISTS\b`).MatchString(m.SQL) {
			t.Errorf("%s uses IF [NOT] EXISTS", m.Name)
		}
	}
}

func must2[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
