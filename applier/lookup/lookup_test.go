package lookup

import (
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/ferry-cdc/ferry/config"
)

const route = "hq.public.emp -> branch.public.staff"

// raw builds a change's columns from JSON texts.
func raw(cols map[string]string) map[string]json.RawMessage {
	row := map[string]json.RawMessage{}
	for k, v := range cols {
		row[k] = json.RawMessage(v)
	}
	return row
}

func texts(row map[string]json.RawMessage) map[string]string {
	out := map[string]string{}
	for k, v := range row {
		out[k] = string(v)
	}
	return out
}

func TestApplyMap(t *testing.T) {
	t.Parallel()
	cities := map[string]string{"NYC": "12", "LA": "7", "42": "answer", "1.50": "one and a half", "true": "yes", `"quoted" <&>`: `Zürich "Z"`}
	for _, c := range []struct {
		name      string
		onMissing string
		in, want  map[string]string
	}{
		{"hit", "", map[string]string{"id": "1", "city_code": `"NYC"`}, map[string]string{"id": "1", "city_code": `"12"`}},
		{"hit, escapes in and out", "", map[string]string{"city_code": `"\"quoted\" \u003c&>"`}, map[string]string{"city_code": `"Zürich \"Z\""`}},
		{"number, by its text", "", map[string]string{"city_code": "42"}, map[string]string{"city_code": `"answer"`}},
		{"decimal, exact text", "", map[string]string{"city_code": "1.50"}, map[string]string{"city_code": `"one and a half"`}},
		{"bool", "", map[string]string{"city_code": "true"}, map[string]string{"city_code": `"yes"`}},
		{"null stays null", "", map[string]string{"city_code": "null"}, map[string]string{"city_code": "null"}},
		{"absent stays absent", "", map[string]string{"id": "1"}, map[string]string{"id": "1"}},
		{"miss, null", Null, map[string]string{"city_code": `"XYZ"`}, map[string]string{"city_code": "null"}},
		{"miss, keep", Keep, map[string]string{"city_code": `"XYZ"`}, map[string]string{"city_code": `"XYZ"`}},
		{"decimal written otherwise misses", Keep, map[string]string{"city_code": "1.5"}, map[string]string{"city_code": "1.5"}},
		{"hit, keep", Keep, map[string]string{"city_code": `"LA"`}, map[string]string{"city_code": `"7"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := New(route, []config.Lookup{{Column: "city_code", Map: cities, OnMissing: c.onMissing}}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			row := raw(c.in)
			if err := s.Apply(row); err != nil {
				t.Fatal(err)
			}
			if got := texts(row); !maps.Equal(got, c.want) {
				t.Errorf("Apply(%v) = %v, want %v", c.in, got, c.want)
			}
			for k, v := range row {
				if !json.Valid(v) {
					t.Errorf("column %s: invalid JSON %s", k, v)
				}
			}
		})
	}
}

func TestApplyReject(t *testing.T) {
	t.Parallel()
	s, err := New(route, []config.Lookup{
		{Column: "dept", Map: map[string]string{"HR": "1"}},
		{Column: "city_code", Map: map[string]string{"NYC": "12"}, OnMissing: Reject},
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]string{"dept": `"HR"`, "city_code": `"XYZ"`}
	row := raw(in)
	err = s.Apply(row)
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("Apply = %v, want a *MissingError", err)
	}
	if *me != (MissingError{Route: route, Column: "city_code", Value: "XYZ"}) {
		t.Errorf("MissingError = %+v", *me)
	}
	const want = `route hq.public.emp -> branch.public.staff: lookup city_code: no entry for "XYZ"`
	if err.Error() != want {
		t.Errorf("error\n got: %s\nwant: %s", err, want)
	}
	// The dept lookup succeeded, but a rejected change is left as it came,
	// for the DLQ.
	if got := texts(row); !maps.Equal(got, in) {
		t.Errorf("row after a rejected Apply = %v, want %v", got, in)
	}

	// The default is reject as well.
	s, err = New(route, []config.Lookup{{Column: "c", Map: map[string]string{"a": "b"}}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(raw(map[string]string{"c": "7"})); !errors.As(err, &me) || me.Value != "7" {
		t.Errorf("default on_missing: Apply = %v, want a *MissingError for 7", err)
	}
}

func TestApplyBadValue(t *testing.T) {
	t.Parallel()
	s, err := New(route, []config.Lookup{{Column: "c", Map: map[string]string{"a": "b"}, OnMissing: Keep}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{`{"a":1}`, `["a"]`, `"unterminated`, ``, `nul`} {
		err := s.Apply(raw(map[string]string{"c": v}))
		if err == nil || !strings.HasPrefix(err.Error(), "route "+route+": lookup c: ") {
			t.Errorf("Apply(c: %s) = %v, want an error naming route and lookup", v, err)
		}
	}
}

func TestNilSet(t *testing.T) {
	t.Parallel()
	var s *Set
	row := raw(map[string]string{"c": `"x"`})
	if err := s.Apply(row); err != nil || string(row["c"]) != `"x"` {
		t.Errorf("nil Set: Apply = %v, row %v", err, texts(row))
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	m := map[string]string{"a": "b"}
	_, err := New(route, []config.Lookup{
		{Column: "ok", Map: m, Line: 10},
		{Map: m, Line: 11},
		{Column: "ok", Map: m, Line: 12},
		{Column: "both", Map: m, Query: "SELECT a, b FROM t", Line: 13},
		{Column: "neither", Line: 14},
		{Column: "empty_map", Map: map[string]string{}, Line: 15},
		{Column: "missing", Map: m, OnMissing: "drop", Line: 16},
		{Column: "schedule", Query: "SELECT a, b FROM t", Refresh: "every 5m", Line: 17},
		{Column: "map_refresh", Map: m, Refresh: "@every 1m", Line: 18},
	}, nil, nil)
	if err == nil {
		t.Fatal("no error")
	}
	got := strings.Split(err.Error(), "\n")
	p := "route " + route + ": "
	want := []string{
		p + "lookup at line 11: no column",
		p + "lookup ok (line 12): column already looked up at line 10",
		p + "lookup both (line 13): both map and query; keep one",
		p + "lookup neither (line 14): neither map nor query; set one",
		p + "lookup empty_map (line 15): neither map nor query; set one",
		p + `lookup missing (line 16): unknown on_missing "drop" (want reject, null or keep)`,
		p + `lookup schedule (line 17): refresh "every 5m": expected exactly 5 fields, found 2: [every 5m]`,
		p + "lookup schedule (line 17): a query needs the target database, and none was given",
		p + "lookup map_refresh (line 18): refresh is for a query; an inline map never changes",
	}
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("missing error %s", want[i])
		case i >= len(want):
			t.Errorf("unexpected error %s", got[i])
		case got[i] != want[i]:
			t.Errorf("error %d\n got: %s\nwant: %s", i, got[i], want[i])
		}
	}
}
