package applier_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

const allTypes = `CREATE TABLE types (
	id bigint PRIMARY KEY,
	c_smallint smallint, c_integer integer, c_bigint bigint,
	c_numeric numeric(38,10), c_numeric_free numeric,
	c_real real, c_double double precision,
	c_text text, c_varchar varchar(50), c_char char(5),
	c_bytea bytea, c_bool boolean,
	c_date date, c_time time, c_timestamp timestamp, c_timestamptz timestamptz, c_interval interval,
	c_uuid uuid, c_json json, c_jsonb jsonb,
	c_int_array integer[], c_text_array text[],
	c_empty text, c_null text)`

var typeRows = []string{
	`(1, -32768, -2147483648, -9223372036854775808,
	  '1234567890123456789012345678.1234567890', '-0.000000000000000000000000000000000000000001234567890123456789',
	  3.4028235e38, 0.1,
	  'héllo wörld ✓ 日本語 🚀 "quoted" \ back', 'Ærøskøbing', 'ab',
	  '\x00ff10fe'::bytea, true,
	  '0001-01-01', '23:59:59.999999', '2024-02-29 13:14:15.123456', '2024-06-30 23:59:59.654321+05:30', '1 year 2 mons 3 days 04:05:06.789',
	  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": [1, 2.50, "x"], "a": null}', '{"k": {"n": 1.0E+2}}',
	  '{1,NULL,-3}', '{"a b","",NULL,"ü"}',
	  '', NULL)`,
	`(2, 32767, 2147483647, 9223372036854775807,
	  '-9999999999999999999999999999.9999999999', 'NaN',
	  '-Infinity', 1.7976931348623157e308,
	  '', ' ', 'xyz  ',
	  ''::bytea, false,
	  '9999-12-31', '00:00:00', 'infinity', '-infinity', '-178000000 years',
	  '00000000-0000-0000-0000-000000000000', '[]', '[null, {}]',
	  '{}', '{}',
	  '', NULL)`,
	`(3, 0, 0, 0, 0, 0, -7.038531e-26, 0, 'x', 'x', 'x', '\xdeadbeef', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
}

// TestEveryTypeArrivesExactly: insert, update and delete of every type in
// the foundation's list, end to end through Kafka, compared as text.
func TestEveryTypeArrivesExactly(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, allTypes)
	p.run()
	pgtest.Exec(t, p.src, `INSERT INTO types VALUES `+strings.Join(typeRows, ", "))
	p.converge(time.Minute)
	pgtest.Exec(t, p.src, `UPDATE types SET c_text = c_text || ' updated', c_numeric = c_numeric / 3, c_real = 1.1 WHERE id <> 2`)
	p.converge(time.Minute)
	pgtest.Exec(t, p.src, `DELETE FROM types WHERE id = 1`, `UPDATE types SET id = 10 WHERE id = 2`)
	p.converge(time.Minute)
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM types`); n != 2 {
		t.Fatalf("target has %d rows, want 2", n)
	}
}
