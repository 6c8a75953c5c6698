package oracle

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// snapshotDDL has a composite key of text (ordered by code point in
// verify), a number and a RAW, and values of the kinds an image writes
// apart from its JSON_OBJECT: a BLOB (empty and not), a zone.
const snapshotDDL = `("K" VARCHAR2(20) NOT NULL, "N" NUMBER(10) NOT NULL, "R" RAW(4) NOT NULL,
	"AT" TIMESTAMP(6) WITH TIME ZONE, "B" BLOB, "DOC" CLOB,
	CONSTRAINT "S_PK" PRIMARY KEY ("K", "N", "R"))`

// TestOracleSnapshotReader: read in pages of two, a table gives every row
// once, in key order, each image the one its trigger captured (through
// Values, byte for byte); bounds, hashes and reads by key agree with it.
func TestOracleSnapshotReader(t *testing.T) {
	f := newCaptureFixture(t)
	tbl := f.table(t, 1, "S", snapshotDDL)
	name := ident(f.app, "S")
	ctx := context.Background()
	// Text keys whose byte order is not a linguistic one, and a character
	// above U+FFFF, which sorts after U+FFFD by code point.
	for i, k := range []string{"b", "B", "a", "é", "\U0001F600", "\uFFFD", "a b", "ab"} {
		mustExec(t, f.appDB, `INSERT INTO `+name+` VALUES (:1, :2, HEXTORAW(:3),
			TO_TIMESTAMP_TZ('2024-10-27 02:30:00.25 Europe/Paris', 'YYYY-MM-DD HH24:MI:SS.FF TZR'),
			CASE WHEN :4 = 0 THEN EMPTY_BLOB() ELSE TO_BLOB(HEXTORAW('00FF10')) END, 'doc')`, k, i%2, "0A0B", i%3)
	}
	mustExec(t, f.appDB, `INSERT INTO `+name+` ("K", "N", "R") VALUES ('a', 1, HEXTORAW('FF'))`)
	captured := map[string]string{}
	for _, c := range f.drain(t, 100) {
		key, _ := json.Marshal(map[string]json.RawMessage{"K": c.after["K"], "N": c.after["N"], "R": c.after["R"]})
		img, _ := json.Marshal(c.after)
		captured[string(key)] = string(img)
	}
	if len(captured) != 9 {
		t.Fatalf("%d captured rows, want 9", len(captured))
	}

	for _, codePoint := range []bool{false, true} {
		rd, err := Dialect{}.Snapshot().Reader(ctx, f.capDB, fsql.ReadSpec{Table: tbl, Key: tbl.PrimaryKey, CodePointOrder: codePoint})
		if err != nil {
			t.Fatal(err)
		}
		neutral := func(img []byte) (key, row string) {
			t.Helper()
			n, err := Values{}.Image(f.reg[1], img)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]json.RawMessage
			json.Unmarshal(n, &m)
			k, _ := json.Marshal(map[string]json.RawMessage{"K": m["K"], "N": m["N"], "R": m["R"]})
			r, _ := json.Marshal(m)
			return string(k), string(r)
		}
		var pages [][]byte
		var keys []string
		var after []byte
		for {
			page, err := rd.Chunk(ctx, after, nil, 2)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, page...)
			if len(page) < 2 {
				break
			}
			k, _ := neutral(page[1])
			after = []byte(k)
		}
		for _, img := range pages {
			k, row := neutral(img)
			if captured[k] != row {
				t.Errorf("code point %v: key %s read as\n%s\ncaptured as\n%s", codePoint, k, row, captured[k])
			}
			keys = append(keys, k)
		}
		if len(keys) != 9 {
			t.Fatalf("code point %v: pages of 2 gave %d rows, want 9: %v", codePoint, len(keys), keys)
		}
		// Binary order of AL32UTF8 text is code point order: Go's string
		// order of the key text, then N, then R.
		type kv struct {
			K string
			N int
			R string
		}
		var got []kv
		for _, k := range keys {
			var x kv
			json.Unmarshal([]byte(k), &x)
			got = append(got, x)
		}
		if !slices.IsSortedFunc(got, func(a, b kv) int {
			if c := strings.Compare(a.K, b.K); c != 0 {
				return c
			}
			if a.N != b.N {
				return a.N - b.N
			}
			x, _ := base64.StdEncoding.DecodeString(a.R)
			y, _ := base64.StdEncoding.DecodeString(b.R)
			return bytes.Compare(x, y)
		}) {
			t.Errorf("code point %v: rows not in key order: %v", codePoint, got)
		}

		// Bounds: (keys[1], keys[4]] is rows 2..4.
		mid, err := rd.Chunk(ctx, []byte(keys[1]), []byte(keys[4]), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(mid) != 3 || !bytes.Equal(mid[0], pages[2]) || !bytes.Equal(mid[2], pages[4]) {
			t.Errorf("code point %v: the chunk between keys 2 and 5 has %d rows, want rows 3 to 5", codePoint, len(mid))
		}

		// Hash: the whole table in one, equal to itself read again; with a
		// limit, the last row's key.
		h1, err := rd.Hash(ctx, nil, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		h2, err := rd.Hash(ctx, nil, nil, 4)
		if err != nil {
			t.Fatal(err)
		}
		if h1.Rows != 9 || h1.Last != nil || h2.Rows != 4 || !bytes.Equal(h2.Last, pages[3]) || bytes.Equal(h1.Sum, h2.Sum) {
			t.Errorf("code point %v: hashes %+v and %+v", codePoint, h1, h2)
		}

		// Keys: two present (one twice), one absent.
		absent := `{"K":"zz","N":0,"R":"Cgs="}`
		kr, err := rd.Keys(ctx, [][]byte{[]byte(keys[0]), []byte(keys[5]), []byte(keys[0]), []byte(absent)})
		if err != nil {
			t.Fatal(err)
		}
		if len(kr) != 3 {
			t.Fatalf("code point %v: %d keyed rows, want 3 distinct keys", codePoint, len(kr))
		}
		for _, r := range kr {
			k, _ := neutral(r.Key)
			switch {
			case k == absent:
				if r.Row != nil {
					t.Errorf("the absent key has a row: %s", r.Row)
				}
			case k == keys[0] || k == keys[5]:
				if _, row := neutral(r.Row); row != captured[k] {
					t.Errorf("key %s read as %s", k, row)
				}
			default:
				t.Errorf("unexpected key %s", k)
			}
		}
	}

	// A NULL in a key column leaves the row out: it cannot be keyed.
	mustExec(t, f.appDB, `CREATE TABLE `+ident(f.app, "U")+` ("K" VARCHAR2(10) UNIQUE, "V" NUMBER)`)
	mustExec(t, f.appDB, `GRANT SELECT ON `+ident(f.app, "U")+` TO `+ident(f.cap))
	mustExec(t, f.appDB, `INSERT INTO `+ident(f.app, "U")+` VALUES (NULL, 1)`)
	mustExec(t, f.appDB, `INSERT INTO `+ident(f.app, "U")+` VALUES ('x', 2)`)
	u, err := Dialect{}.Describe(ctx, f.capDB, `"`+f.app+`"`, `"U"`)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := Dialect{}.Snapshot().Reader(ctx, f.capDB, fsql.ReadSpec{Table: u, Key: []string{"K"}})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := rd.Chunk(ctx, nil, nil, 10)
	if err != nil || len(rows) != 1 || !strings.Contains(string(rows[0]), `"x"`) {
		t.Fatalf("got %q, %v; want the one row with a key", rows, err)
	}
}
