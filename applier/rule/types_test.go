package rule

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/config"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// columns are the kinds a rule can see, by column name.
var columns = map[string]fsql.Column{
	"id":       {Name: "id", Kind: fsql.KindInteger},
	"amount":   {Name: "amount", Kind: fsql.KindDecimal},
	"ratio":    {Name: "ratio", Kind: fsql.KindFloat},
	"active":   {Name: "active", Kind: fsql.KindBool},
	"born":     {Name: "born", Kind: fsql.KindDate},
	"at":       {Name: "at", Kind: fsql.KindTimestamp},
	"valid_to": {Name: "valid_to", Kind: fsql.KindTimestampTZ},
	"opens":    {Name: "opens", Kind: fsql.KindTime},
	"name":     {Name: "name", Kind: fsql.KindText},
	"tags":     {Name: "tags", Kind: fsql.KindArray, Elem: fsql.KindInteger},
	"wait":     {Name: "wait", Kind: fsql.KindInterval},
}

// TestEveryValueHasItsType: each value as the envelope carries it, special
// values included, becomes the documented type.
func TestEveryValueHasItsType(t *testing.T) {
	t.Parallel()
	bc := time.Date(-43, 3, 15, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		col, raw string
		want     any
	}{
		{"id", `42`, int64(42)},
		{"id", `-9223372036854775808`, int64(math.MinInt64)},
		{"amount", `"12345678901234567890.123456789"`, "12345678901234567890.123456789"},
		{"amount", `"NaN"`, "NaN"},
		{"amount", `"-Infinity"`, "-Infinity"},
		{"amount", `"0.10"`, "0.1"},
		{"ratio", `"NaN"`, "NaN"},
		{"ratio", `1.5`, 1.5},
		{"active", `true`, true},
		{"born", `"2024-02-29"`, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"born", `"0044-03-15 BC"`, bc},
		{"born", `"infinity"`, Infinity},
		{"born", `"-infinity"`, MinusInfinity},
		{"born", `"12345-06-07"`, time.Date(12345, 6, 7, 0, 0, 0, 0, time.UTC)},
		{"at", `"2024-01-02T03:04:05.123456"`, time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)},
		{"valid_to", `"2024-01-02T03:04:05+09:00"`, time.Date(2024, 1, 1, 18, 4, 5, 0, time.UTC)},
		{"valid_to", `"infinity"`, Infinity},
		{"valid_to", `"0001-01-01T00:00:00+00:00 BC"`, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"opens", `"24:00:00"`, 24 * time.Hour},
		{"opens", `"08:30:00.5"`, 8*time.Hour + 30*time.Minute + 500*time.Millisecond},
		{"opens", `"08:30:00+02"`, 8*time.Hour + 30*time.Minute},
		{"name", `"ünïcode"`, "ünïcode"},
		{"tags", `[1,null,3]`, []any{int64(1), nil, int64(3)}},
		{"wait", `"P1Y2M"`, "P1Y2M"},
		{"name", `null`, nil},
	} {
		got, err := Value(columns[c.col], json.RawMessage(c.raw))
		if err != nil {
			t.Errorf("%s %s: %v", c.col, c.raw, err)
			continue
		}
		switch w := c.want.(type) {
		case time.Time:
			if g, ok := got.(time.Time); !ok || !g.Equal(w) {
				t.Errorf("%s %s: %v, want %v", c.col, c.raw, got, w)
			}
		case string:
			if s := stringOf(got); s != w {
				t.Errorf("%s %s: %v (%T), want %s", c.col, c.raw, got, got, w)
			}
		default:
			if g, _ := json.Marshal(got); string(g) != mustJSON(w) {
				t.Errorf("%s %s: %v (%T), want %v", c.col, c.raw, got, got, w)
			}
		}
	}
	if _, err := Value(columns["id"], json.RawMessage(`"x"`)); err == nil || err.Error() != `column id (integer): "x" is not an integer` {
		t.Errorf("a value that is not its column's kind: %v", err)
	}
}

func stringOf(v any) string {
	switch x := v.(type) {
	case *Decimal:
		return x.String()
	case float64:
		if math.IsNaN(x) {
			return "NaN"
		}
	case string:
		return x
	}
	return "?"
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestRulesSeeRealTypes: rules compare each type as its values mean, with
// decimals exact and the special values in their place.
func TestRulesSeeRealTypes(t *testing.T) {
	t.Parallel()
	row := func(pairs ...string) map[string]any {
		r := map[string]any{}
		for i := 0; i < len(pairs); i += 2 {
			v, err := Value(columns[pairs[i]], json.RawMessage(pairs[i+1]))
			if err != nil {
				t.Fatal(err)
			}
			r[pairs[i]] = v
		}
		return r
	}
	for _, c := range []struct {
		when string
		row  map[string]any
		want bool
	}{
		// The rule: an open-ended validity is not expired.
		{`valid_to != nil && valid_to < date("2000-01-01")`, row("valid_to", `"infinity"`), false},
		{`valid_to != nil && valid_to < date("2000-01-01")`, row("valid_to", `"1999-12-31T23:00:00+00:00"`), true},
		{`valid_to != nil && valid_to < date("2000-01-01")`, row("valid_to", `null`), false},
		{`valid_to > now()`, row("valid_to", `"infinity"`), true},
		{`born < date("0001-01-01")`, row("born", `"0044-03-15 BC"`), true},
		{`born > date("9999-12-31")`, row("born", `"infinity"`), true},
		{`born < date("0001-01-01")`, row("born", `"-infinity"`), true},
		{`opens == duration("24h")`, row("opens", `"24:00:00"`), true},
		{`opens > duration("23h59m59s")`, row("opens", `"24:00:00"`), true},
		// Decimals are exact: as float64 both sides are 9007199254740992.
		{`amount > 9007199254740992`, row("amount", `"9007199254740993"`), true},
		{`amount == 0.1 + 0.2`, row("amount", `"0.3"`), false}, // float64 arithmetic on the right
		{`amount == decimal("0.1") + decimal("0.2")`, row("amount", `"0.3"`), true},
		{`amount * 3 == 1`, row("amount", `"0.333333333333333333333"`), false},
		{`amount / 3 * 3 == 1`, row("amount", `"1"`), true},
		{`amount >= 10000.50`, row("amount", `"10000.5"`), true},
		{`amount == 5`, row("amount", `"5.000"`), true},
		{`100 < amount`, row("amount", `"100.0000001"`), true},
		{`amount > id`, row("amount", `"7.5"`, "id", `7`), true},
		// NaN sorts above every number and equals itself, as in the database.
		{`amount > 1e300`, row("amount", `"NaN"`), true},
		{`amount == decimal("NaN")`, row("amount", `"NaN"`), true},
		{`amount < 0`, row("amount", `"-Infinity"`), true},
		{`amount == nil`, row("amount", `null`), true},
		{`amount != nil && amount > 0`, row("amount", `null`), false},
		// Floats are IEEE 754: NaN compares false.
		{`ratio > 0 || ratio <= 0`, row("ratio", `"NaN"`), false},
		{`len(tags) == 3 && tags[0] == 1 && tags[1] == nil`, row("tags", `[1,null,3]`), true},
		{`name == "ünïcode"`, row("name", `"ünïcode"`), true},
	} {
		s, err := Compile(route, []config.Rule{{Name: "r", When: c.when, Action: Reject}}, columns)
		if err != nil {
			t.Errorf("%s: %v", c.when, err)
			continue
		}
		v, err := s.Check("u", c.row)
		if err != nil {
			t.Errorf("%s on %v: %v", c.when, c.row, err)
			continue
		}
		if got := v.Action == Reject; got != c.want {
			t.Errorf("%s on %v: %v, want %v", c.when, c.row, got, c.want)
		}
	}
}

// TestNullInAComparisonSaysSo: ordering a NULL is an error with the hint.
func TestNullInAComparisonSaysSo(t *testing.T) {
	t.Parallel()
	for _, when := range []string{`amount > 0`, `id > 0`, `valid_to < now()`} {
		s, err := Compile(route, []config.Rule{{Name: "r", When: when}}, columns)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Check("u", map[string]any{"amount": nil, "id": nil, "valid_to": nil})
		if err == nil || !strings.Contains(err.Error(), "a NULL or absent column is nil: test it first") {
			t.Errorf("%s on NULL: %v", when, err)
		}
	}
}

// TestARuleThatCanNeverTypeCheckFailsToCompile: with the columns' types
// known, a comparison that can never hold fails now, not on every change.
func TestARuleThatCanNeverTypeCheckFailsToCompile(t *testing.T) {
	t.Parallel()
	for when, want := range map[string]string{
		`valid_to < 5`:               "invalid operation: < (mismatched types time.Time and int)",
		`amount > "10000"`:           "invalid operation: > (mismatched types rule.Decimal and string)",
		`name > 3`:                   "invalid operation: > (mismatched types string and int)",
		`opens < date("2000-01-01")`: "invalid operation: < (mismatched types time.Duration and time.Time)",
		`amount > decimal("1,5")`:    `decimal("1,5"): "1,5" is not a decimal`,
		`active + 1 > 0`:             "invalid operation: + (mismatched types bool and int)",
	} {
		_, err := Compile(route, []config.Rule{{Name: "r", When: when}}, columns)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", when, err, want)
		}
	}
}
