package applier

import (
	"encoding/json"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// TestKeyValuesCompareInTheDatabasesOrder: verify walks both sides in key
// order, so it must order key values as the databases do. Each list is in
// PostgreSQL's ORDER BY order, written in the envelope's forms; every pair
// must compare so, including the infinities, years before 1 and after 9999,
// and NaN.
func TestKeyValuesCompareInTheDatabasesOrder(t *testing.T) {
	t.Parallel()
	for kind, values := range map[fsql.Kind][]string{
		fsql.KindDecimal: {`"-Infinity"`, `"-12.5"`, `"0"`, `"0.001"`, `"7"`, `"Infinity"`, `"NaN"`},
		fsql.KindFloat:   {`"-Infinity"`, `-1.5e300`, `-1`, `0.5`, `1e300`, `"Infinity"`, `"NaN"`},
		fsql.KindInteger: {`-9223372036854775808`, `-1`, `0`, `9223372036854775807`},
		fsql.KindDate: {`"-infinity"`, `"-0043-03-15"`, `"-0009-01-01"`, `"0000-12-31"`, `"0001-01-01"`,
			`"2026-11-30"`, `"9999-12-31"`, `"10000-01-01"`, `"infinity"`},
		fsql.KindTimestamp: {`"-infinity"`, `"-0043-03-15T12:00:00"`, `"2026-11-30T00:00:00"`, `"2026-11-30T00:00:00.25"`,
			`"2026-11-30T00:00:00.5"`, `"9999-12-31T23:59:59.999999"`, `"10000-01-01T00:00:00"`, `"infinity"`},
		fsql.KindTimestampTZ: {`"-infinity"`, `"-0043-03-15T12:00:00+00:00"`, `"2026-11-30T01:00:00+02:00"`,
			`"2026-11-30T00:00:00+00:00"`, `"9999-12-31T23:59:59+00:00"`, `"10000-01-01T00:00:00+00:00"`, `"infinity"`},
	} {
		for i, a := range values {
			for j, b := range values {
				c, ok := compareValue(kind, json.RawMessage(a), json.RawMessage(b))
				want := 0
				if i < j {
					want = -1
				} else if i > j {
					want = 1
				}
				if !ok || c != want {
					t.Errorf("kind %v: compare(%s, %s) = %d, %v; want %d, true", kind, a, b, c, ok, want)
				}
			}
		}
	}
	// What no database writes is not ordered: verify says so rather than
	// guess.
	for kind, pair := range map[fsql.Kind][2]string{
		fsql.KindDecimal:     {`"1"`, `"one"`},
		fsql.KindDate:        {`"2026-11-30"`, `"2026-11-30T00:00:00"`},
		fsql.KindTimestamp:   {`"2026-11-30T00:00:00"`, `"2026-11-30T00:00:00+00:00"`},
		fsql.KindTimestampTZ: {`"2026-11-30T00:00:00+00:00"`, `"2026-11-30T00:00:00"`},
	} {
		if _, ok := compareValue(kind, json.RawMessage(pair[0]), json.RawMessage(pair[1])); ok {
			t.Errorf("kind %v: %s and %s compared as if both were valid", kind, pair[0], pair[1])
		}
	}
}
