package postgres_test

import (
	"context"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestMaxBytesBoundsTheLargestValue fills each bounded column with its
// largest, most escaped value: its JSON text must fit the bound Describe
// gives. Columns whose values only PostgreSQL's 1 GB bounds must say so.
func TestMaxBytesBoundsTheLargestValue(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE TYPE mood AS ENUM ('ok', 'a_label_of_the_longest_kind_sixty_three_bytes_long_exactly_xxxx')`,
		`CREATE DOMAIN short_text AS varchar(5)`,
		`CREATE TABLE sized (
			id int PRIMARY KEY, i8 bigint, f float8, n numeric(12,2), vc varchar(10), bp char(4), ch "char",
			d date, ts timestamptz, iv interval, u uuid, b bool, m mood, bits bit(12), nm name,
			t text, vnl varchar, by bytea, j json, jb jsonb, x xml, arr int[], dom short_text, nfree numeric)`,
		`INSERT INTO sized VALUES (1, -9223372036854775808, -1.2345678901234567e-308, -9999999999.99,
			repeat(chr(1), 10), repeat('"', 4), '"', '-infinity', '294276-12-31 23:59:59.999999+00',
			'-178000000 years -11 months -2147483648 days -2562047788 hours -0.775807 seconds',
			'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', false,
			'a_label_of_the_longest_kind_sixty_three_bytes_long_exactly_xxxx', B'101010101010', repeat(chr(1), 63),
			'', '', '', '{}', '{}', '<a/>', '{}', 'abc', 1)`)
	tab, err := postgres.Dialect{}.Describe(context.Background(), db, "public", "sized")
	if err != nil {
		t.Fatal(err)
	}
	unbounded := map[string]bool{"t": true, "vnl": true, "by": true, "j": true, "jb": true, "x": true, "arr": true, "dom": true}
	for _, c := range tab.Columns {
		if unbounded[c.Name] {
			if c.MaxBytes != fsql.Unbounded {
				t.Errorf("column %s (%s): MaxBytes %d, want unbounded", c.Name, c.Type, c.MaxBytes)
			}
			continue
		}
		if c.MaxBytes <= 0 {
			t.Errorf("column %s (%s): MaxBytes %d, want a bound", c.Name, c.Type, c.MaxBytes)
			continue
		}
		n := pgtest.QueryValue[int64](t, db, `SELECT octet_length((row_to_json(s)->`+"'"+c.Name+"'"+`)::text) FROM sized s`)
		if n > c.MaxBytes {
			t.Errorf("column %s (%s): a value takes %d bytes in JSON, more than MaxBytes %d", c.Name, c.Type, n, c.MaxBytes)
		}
	}
}
