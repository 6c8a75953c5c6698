package dialecttest

import (
	"bytes"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// kinds is a table with a column of each kind every dialect carries.
var kinds = Table{Name: "kinds", Key: []string{"id"}, Columns: []Column{
	{Name: "id", Kind: fsql.KindInteger},
	{Name: "c_big", Kind: fsql.KindInteger, Nullable: true},
	{Name: "c_decimal", Kind: fsql.KindDecimal, Precision: 20, Scale: 4, Nullable: true},
	{Name: "c_float", Kind: fsql.KindFloat, Nullable: true},
	{Name: "c_bool", Kind: fsql.KindBool, Nullable: true},
	{Name: "c_text", Kind: fsql.KindText, Nullable: true},
	{Name: "c_binary", Kind: fsql.KindBinary, Nullable: true},
	{Name: "c_date", Kind: fsql.KindDate, Nullable: true},
	{Name: "c_time", Kind: fsql.KindTime, Nullable: true},
	{Name: "c_timestamp", Kind: fsql.KindTimestamp, Nullable: true},
	{Name: "c_timestamptz", Kind: fsql.KindTimestampTZ, Nullable: true},
	{Name: "c_uuid", Kind: fsql.KindUUID, Nullable: true},
	{Name: "c_empty", Kind: fsql.KindText, Nullable: true},
}}

// kindRows are rows of kinds in neutral forms (sql/values.go), in column
// order: extremes, full precision, non-ASCII text, the empty string beside
// NULL. A timestamptz is in UTC, which every dialect keeps as written.
var kindRows = []string{
	`[1, 9223372036854775807, "12345678901234.5670", 0.1, true, "héllo wörld ✓ 日本語 🚀 \"quoted\" \\ back", "AP8Q/g==",
	  "2024-02-29", "13:14:15.123456", "2024-02-29T13:14:15.123456", "2024-06-30T18:29:59.654321+00:00",
	  "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", ""]`,
	`[2, -9223372036854775808, "-0.0001", -1.5e+300, false, " ", "",
	  "0001-01-01", "23:59:59.999999", "1999-12-31T23:59:59.000001", "2000-01-01T00:00:00.000001+00:00",
	  "00000000-0000-0000-0000-000000000000", ""]`,
	`[3, null, null, null, null, null, null, null, null, null, null, null, null]`,
}

// rowsOf parses neutral rows written as JSON arrays.
func rowsOf(t *testing.T, texts ...string) [][]json.RawMessage {
	t.Helper()
	var out [][]json.RawMessage
	for _, text := range texts {
		var r []json.RawMessage
		if err := json.Unmarshal([]byte(text), &r); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		out = append(out, r)
	}
	return out
}

// columnNames are table's column names as the dialect folds them.
func (s *suite) columnNames(table Table) []string {
	var out []string
	for _, c := range table.Columns {
		out = append(out, s.d.Fold(c.Name))
	}
	return out
}

// sameRow compares a neutral image, by lower-case column name, with a row
// written as neutral values in table's column order: exactly, except that
// fractional seconds may carry trailing zeros (the neutral forms keep
// "as many digits as the source has", and a column of 6 digits has 6).
func sameRow(t *testing.T, table Table, got map[string]json.RawMessage, want []json.RawMessage) {
	t.Helper()
	for i, c := range table.Columns {
		g, w := got[c.Name], want[i]
		if g == nil {
			t.Errorf("id %s column %s: missing from %v", want[0], c.Name, got)
			continue
		}
		if trimFraction(c.Kind, g) != trimFraction(c.Kind, w) {
			t.Errorf("id %s column %s: got %s, want %s", want[0], c.Name, g, w)
		}
	}
	if len(got) != len(table.Columns) {
		t.Errorf("id %s: image has %d columns, want %d: %v", want[0], len(got), len(table.Columns), got)
	}
}

// trimFraction drops trailing zeros of the fractional seconds of a time
// kind's neutral value; other values are returned as they are.
func trimFraction(k fsql.Kind, v json.RawMessage) string {
	switch k {
	case fsql.KindTime, fsql.KindTimestamp, fsql.KindTimestampTZ:
	default:
		return string(v)
	}
	s := string(v)
	dot := strings.LastIndexByte(s, '.')
	if dot < 0 || bytes.Count(v, []byte(":")) < 2 {
		return s
	}
	end := dot + 1
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	frac := strings.TrimRight(s[dot+1:end], "0")
	if frac == "" {
		return s[:dot] + s[end:]
	}
	return s[:dot+1] + frac + s[end:]
}

// NarrowHarness is a Harness whose dialect cannot hold all that the suite
// writes: it has no column type for some kinds (Oracle has no date, time or
// uuid type), its integer columns hold fewer digits than an int64, or it
// stores an empty string as NULL (Oracle's VARCHAR2). The suite leaves
// those columns out of its tables and puts the nearest values it can hold
// in its rows: the largest integers of that many digits, NULL for "".
type NarrowHarness interface {
	Harness
	// Lacks reports that the dialect has no column type for kind k.
	Lacks(k fsql.Kind) bool
	// IntegerDigits is how many decimal digits an integer column holds.
	IntegerDigits() int
	// EmptyTextIsNull reports that an empty string is stored as NULL.
	EmptyTextIsNull() bool
}

// narrow is table, and its rows (in table's column order), as the
// dialect under test can hold them (see NarrowHarness).
func (s *suite) narrow(t *testing.T, table Table, rows [][]json.RawMessage) (Table, [][]json.RawMessage) {
	t.Helper()
	n, ok := s.h.(NarrowHarness)
	if !ok {
		return table, rows
	}
	out := table
	out.Columns = nil
	var keep []int
	for i, c := range table.Columns {
		if !n.Lacks(c.Kind) {
			out.Columns = append(out.Columns, c)
			keep = append(keep, i)
		}
	}
	out.Unique = slices.DeleteFunc(slices.Clone(table.Unique), func(u string) bool {
		return !slices.ContainsFunc(out.Columns, func(c Column) bool { return c.Name == u })
	})
	limit := new(big.Int).Sub(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.IntegerDigits())), nil), big.NewInt(1))
	var narrowed [][]json.RawMessage
	for _, r := range rows {
		var nr []json.RawMessage
		for _, i := range keep {
			v := r[i]
			switch table.Columns[i].Kind {
			case fsql.KindInteger:
				if x, ok := new(big.Int).SetString(string(v), 10); ok && x.CmpAbs(limit) > 0 {
					v = json.RawMessage(new(big.Int).Mul(limit, big.NewInt(int64(x.Sign()))).String())
				}
			case fsql.KindText:
				if n.EmptyTextIsNull() && string(v) == `""` {
					v = json.RawMessage("null")
				}
			}
			nr = append(nr, v)
		}
		narrowed = append(narrowed, nr)
	}
	return out, narrowed
}
