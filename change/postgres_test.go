package change_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/change"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/migrations"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// pgTypes has a column of each kind, and arrays of each element kind that
// needs work, as PostgreSQL's triggers capture them. A jsonb 'null' inside
// an array is left out: row_to_json writes it as it writes NULL.
const pgTypes = `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE public.types (
	id bigint PRIMARY KEY,
	c_smallint smallint, c_integer integer, c_bigint bigint,
	c_numeric numeric(38,10), c_numeric_free numeric,
	c_real real, c_double double precision,
	c_text text, c_varchar varchar(50), c_char char(5), c_mood mood,
	c_bytea bytea, c_bool boolean,
	c_date date, c_time time, c_timetz timetz, c_timestamp timestamp, c_timestamptz timestamptz, c_interval interval,
	c_uuid uuid, c_json json, c_jsonb jsonb,
	c_int_array integer[], c_text_array text[], c_grid integer[][], c_numeric_array numeric[],
	c_bytea_array bytea[],
	c_empty text, c_null text
)`

var pgValues = []string{
	`(1, -32768, -2147483648, -9223372036854775808,
	  '1234567890123456789012345678.1234567890', '-0.000000000000000000000000000000000000000001234567890123456789',
	  3.4028235e38, 0.1,
	  'héllo wörld ✓ 日本語 🚀 "quoted" \ back', 'Ærøskøbing', 'ab', 'happy',
	  '\x00ff10fe'::bytea, true,
	  '0001-01-01', '23:59:59.999999', '23:59:59.999999+05:30', '2024-02-29 13:14:15.123456', '2024-06-30 23:59:59.654321+05:30', '1 year 2 mons 3 days 04:05:06.789',
	  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": [1, 2.50, "x"],
	  "a": null}', '{"k": {"n": 1.0E+2}}',
	  '{1,NULL,-3}', '{"a b","",NULL,"ü"}', '{{1,2},{3,NULL}}', '{1.50,NaN,NULL}',
	  ARRAY['\x00'::bytea, NULL, '\x'::bytea],
	  '', NULL)`,
	`(2, 32767, 2147483647, 9223372036854775807,
	  '-9999999999999999999999999999.9999999999', 'NaN',
	  '-Infinity', 1.7976931348623157e308,
	  '', ' ', 'xyz  ', NULL,
	  ''::bytea, false,
	  '9999-12-31', '00:00:00', '00:00:00-12', 'infinity', '-infinity', '-178000000 years',
	  '00000000-0000-0000-0000-000000000000', '[]', '[null, {}]',
	  '{}', '{}', '{}', '{}', '{}',
	  '', NULL)`,
	`(3, 0, 0, 0, '0.0000000000', 'Infinity', '7.038531e-26', '-0', E'tab\tnew\nline\u0001', 'x', 'x', 'sad',
	  '\x0102', NULL, '2000-02-29', '12:00', '12:00+00', '2000-01-01 00:00:00', '2000-01-01 00:00:00+00', 'PT0S',
	  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '"str"', '"str"', NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
}

// TestValuesRoundTripThroughPostgres captures real changes, converts the
// outbox rows, decodes every value with DecodeValue and writes it back with
// the pgx driver: every column must come back equal to what was written.
// It is what the applier will rest on.
func TestValuesRoundTripThroughPostgres(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	ctx := context.Background()
	pgtest.Exec(t, db, pgTypes)
	src := &config.Source{Name: "hq", Dialect: "postgres", CaptureSchema: "ferry", Tables: []config.Table{{Name: "public.types"}}}
	m, err := migrations.New(src, postgres.Dialect{}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	m.ConfigFile = "test.yaml"
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	registry, err := postgres.Dialect{}.Source().Capture().Registry(ctx, db, "ferry")
	if err != nil || len(registry) != 1 {
		t.Fatalf("registry %+v: %v", registry, err)
	}
	reg := registry[0]
	tab := &change.Table{Source: "hq", DB: "ferry_source", Schema: reg.Schema, Name: reg.Name, Key: reg.Key, Columns: reg.Columns, Values: postgres.Values{}}
	pgtest.Exec(t, db,
		`INSERT INTO public.types VALUES `+strings.Join(pgValues, ", "),
		`CREATE TABLE public.expected AS SELECT * FROM public.types`,
		`UPDATE public.types SET id = id + 100`,
		`CREATE TABLE public.copy (LIKE public.types)`)

	rows, err := db.QueryContext(ctx, `SELECT seq, txid::text::bigint, op::text, ts, before::text, after::text FROM ferry.outbox_changes ORDER BY seq, change`)
	if err != nil {
		t.Fatal(err)
	}
	var outbox []change.Row
	for rows.Next() {
		var r change.Row
		var op string
		var before, after *string
		if err := rows.Scan(&r.Seq, &r.TxID, &op, &r.Ts, &before, &after); err != nil {
			t.Fatal(err)
		}
		r.Op = change.Op(op)
		if before != nil {
			r.Before = []byte(*before)
		}
		if after != nil {
			r.After = []byte(*after)
		}
		outbox = append(outbox, r)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}

	var names, params []string
	for i, c := range tab.Columns {
		names = append(names, c.Name)
		params = append(params, fmt.Sprintf("$%d", i+1))
	}
	insert := fmt.Sprintf(`INSERT INTO public.copy (%s) VALUES (%s)`, strings.Join(names, ", "), strings.Join(params, ", "))
	var kinds []string // per outbox row: its op, then its events
	for _, r := range outbox {
		evs, err := change.FromRowAt(tab, r, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		row := string(r.Op)
		for _, e := range evs {
			row += fmt.Sprintf(" %s%s", e.Op, e.Key)
			if e.Op != change.OpCreate || r.Op != change.OpCreate {
				continue
			}
			var env struct{ After map[string]json.RawMessage }
			if err := json.Unmarshal(e.Value, &env); err != nil {
				t.Fatal(err)
			}
			var args []any
			for _, c := range tab.Columns {
				v, err := change.DecodeValue(c.Kind, c.Elem, env.After[c.Name])
				if err != nil {
					t.Fatalf("column %s: %v", c.Name, err)
				}
				if c.Type == "real" && v != nil {
					// See DecodeValue: a real column reads the text as a float4.
					if _, ok := v.(float64); ok {
						f32, err := strconv.ParseFloat(string(env.After[c.Name]), 32)
						if err != nil {
							t.Fatalf("column %s: %v", c.Name, err)
						}
						v = float32(f32)
					}
				}
				args = append(args, bindable(v))
			}
			if _, err := db.ExecContext(ctx, insert, args...); err != nil {
				t.Fatalf("insert decoded values of %s: %v", e.Key, err)
			}
		}
		kinds = append(kinds, row)
	}
	// The update moves every key: per key, the statement's net change is
	// a delete of the old key or a create of the new one, deletes first.
	slices.Sort(kinds[3:6])
	slices.Sort(kinds[6:])
	want := `c c{"id":1}|c c{"id":2}|c c{"id":3}|` +
		`d d{"id":1} d{"id":1}|d d{"id":2} d{"id":2}|d d{"id":3} d{"id":3}|c c{"id":101}|c c{"id":102}|c c{"id":103}`
	if got := strings.Join(kinds, "|"); got != want {
		t.Errorf("events\n %s\nwant\n %s", got, want)
	}
	for _, c := range names {
		q := fmt.Sprintf(`SELECT count(*) FROM public.copy c JOIN public.expected e USING (id)
			WHERE c.%[1]s::text IS NOT DISTINCT FROM e.%[1]s::text`, c)
		if n := pgtest.QueryValue[int](t, db, q); n != len(pgValues) {
			var got, exp string
			db.QueryRowContext(ctx, fmt.Sprintf(`SELECT string_agg(coalesce(c.%[1]s::text, 'NULL'), ' | ' ORDER BY id), string_agg(coalesce(e.%[1]s::text, 'NULL'), ' | ' ORDER BY id)
				FROM public.copy c JOIN public.expected e USING (id)`, c)).Scan(&got, &exp)
			t.Errorf("column %s: %d of %d rows come back equal\n got %s\nwant %s", c, n, len(pgValues), got, exp)
		}
	}
}

// bindable is what an applier does with DecodeValue's result for pgx:
// arrays go as PostgreSQL array text, which the driver cannot build from
// []any. (The applier will own this; the test shows it is enough.)
func bindable(v any) any {
	a, ok := v.([]any)
	if !ok {
		return v
	}
	return arrayText(a)
}

func arrayText(a []any) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, x := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		switch x := x.(type) {
		case nil:
			b.WriteString("NULL")
		case []any:
			b.WriteString(arrayText(x))
		case []byte:
			fmt.Fprintf(&b, `"\\x%x"`, x)
		default:
			s := fmt.Sprint(x)
			b.WriteByte('"')
			b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s))
			b.WriteByte('"')
		}
	}
	b.WriteByte('}')
	return b.String()
}
