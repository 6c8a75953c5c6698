package postgres

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

func TestSees(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		want bool
	}{
		{"10:10:", "10:10:", true},
		{"12:15:12,13", "10:12:10,11", true},  // a later snapshot sees all b sees
		{"10:12:10,11", "12:15:12,13", false}, // an earlier one does not
		{"10:15:10,12", "10:15:10", false},    // 12 finished for b, still running for a
		{"10:15:10", "10:15:10,12", true},     // a sees more than b
		{"10:12:10", "10:14:10,12,13", true},  // 12 and 13 were running for b: a need not see them
		{"10:12:10", "10:14:10,13", false},    // 12 finished for b, at or past a's xmax
		{"5:20:5,17", "5:18:5,17", true},      // a long transaction (5, 17) open for both
		{"5:20:5", "3:18:3,5,17", true},
		{"1:1:", "10:10:", false},
	}
	for _, c := range cases {
		got, err := sees(c.a, c.b)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("sees(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestTheFlushIsReadAndNothingElse: the horizon's flush transaction (xid
// 16 here, taken after the snapshot 10:15:10,12) writes no change, so a
// position counts it as read; but a transaction that finished between the
// snapshot and the flush (15) is not read, and must not look idle or covered.
func TestTheFlushIsReadAndNothingElse(t *testing.T) {
	t.Parallel()
	p := position{Snap: "10:15:10,12", Flush: 16, Last: 100}
	cases := []struct {
		now  string
		want bool
	}{
		{"10:17:10,12,15", true},    // only the flush finished since
		{"10:17:10,15", false},      // 12 finished: its changes are to read
		{"10:17:10,12", false},      // 15 finished before or with the flush
		{"10:18:10,12,15,17", true}, // 17 began after and runs
	}
	for _, c := range cases {
		got, err := p.unchanged(c.now)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("unchanged(%q) from %+v = %v, want %v", c.now, p, got, c.want)
		}
		raw, _ := json.Marshal(p)
		covered, err := (&outbox{}).Covers(raw, []byte(c.now))
		if err != nil {
			t.Fatal(err)
		}
		if covered != c.want {
			t.Errorf("Covers(%s, %q) = %v, want %v", raw, c.now, covered, c.want)
		}
	}
	// Without the flush counted, the first is neither.
	bare := position{Snap: "10:15:10,12", Last: 100}
	if ok, _ := bare.unchanged("10:17:10,12,15"); ok {
		t.Error("a position without its flush counted is unchanged by it")
	}
}

func TestCoversNeedsAClosedWindow(t *testing.T) {
	t.Parallel()
	o := &outbox{}
	open, _ := json.Marshal(position{Snap: "20:20:", Last: 5, Win: &window{Snap: "30:30:", Last: 9, Cursor: 7}})
	closed, _ := json.Marshal(position{Snap: "20:20:", Last: 5})
	for _, c := range []struct {
		pos  []byte
		want bool
	}{{open, false}, {closed, true}} {
		got, err := o.Covers(c.pos, []byte("15:18:15"))
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("Covers(%s) = %v, want %v", c.pos, got, c.want)
		}
	}
}

func TestReaderGolden(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		spec  fsql.ReadSpec
		types map[string]keyType
	}{
		"read_plain": {
			spec: fsql.ReadSpec{Key: []string{"id"}, Table: &fsql.Table{Schema: "public", Name: "emp", Columns: []fsql.Column{
				{Name: "id", Type: "integer", Kind: fsql.KindInteger}, {Name: "rate", Type: "double precision", Kind: fsql.KindFloat, Nullable: true}}}},
			types: map[string]keyType{"id": {typ: "integer"}},
		},
		"read_composite": {
			spec: fsql.ReadSpec{Key: []string{"region", "code", "mood"}, Exclude: []string{"ssn"}, CodePointOrder: true, Table: &fsql.Table{Schema: "My Schema", Name: "Lines", Columns: []fsql.Column{
				{Name: "region", Type: "text", Kind: fsql.KindText}, {Name: "code", Type: "character varying(8)", Kind: fsql.KindText, Nullable: true},
				{Name: "mood", Type: "app.mood", Kind: fsql.KindText}, {Name: "ssn", Type: "text", Kind: fsql.KindText}}}},
			types: map[string]keyType{"region": {typ: "text", collatable: true, codePoint: true}, "code": {typ: "character varying(8)", collatable: true},
				"mood": {typ: "app.mood"}},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, err := newReader(c.spec, c.types)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			b.WriteString("-- settings\n" + strings.Join(r.settings, ";\n") + "\n")
			for i, q := range r.chunks {
				b.WriteString("\n-- chunk, bounds " + []string{"none", "after", "until", "after and until"}[i] + "\n" + q + ";\n")
			}
			b.WriteString("\n-- hash, bounds after and until\n" + r.hashes[3] + ";\n")
			b.WriteString("\n-- keys\n" + r.keys + ";\n")
			golden(t, filepath.Join("testdata", name+".golden.sql"), b.String())
		})
	}
}

func TestInputText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kind fsql.Kind
		raw  string
		want string
		bad  bool
	}{
		{fsql.KindInteger, `42`, "42", false},
		{fsql.KindDecimal, `"1.50"`, "1.50", false},
		{fsql.KindText, `"it's \"x\""`, `it's "x"`, false},
		{fsql.KindBinary, `"AP8="`, `\x00ff`, false},
		{fsql.KindBool, `true`, "true", false},
		{fsql.KindTimestampTZ, `"2024-01-01T10:00:00.5+02:00"`, "2024-01-01T10:00:00.5+02:00", false},
		{fsql.KindInteger, `null`, "", true},
		{fsql.KindText, `[1]`, "", true},
		{fsql.KindBinary, `"not base64!"`, "", true},
	}
	for _, c := range cases {
		got, err := inputText(fsql.Column{Name: "k", Kind: c.kind}, json.RawMessage(c.raw))
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("inputText(%s, %s) = %q, %v; want %q (error: %v)", c.kind, c.raw, got, err, c.want, c.bad)
		}
	}
}

// sees reports, for the tests, whether snapshot a sees as finished every
// transaction that snapshot b sees as finished.
func sees(a, b string) (bool, error) {
	x, err := parse(a)
	if err != nil {
		return false, err
	}
	y, err := parse(b)
	if err != nil {
		return false, err
	}
	return x.sees(y), nil
}
