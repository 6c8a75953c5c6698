package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	fsql "github.com/ferry-cdc/ferry/sql"
)

const describeParents = `
SELECT n.nspname, p.relname, c.relispartition
FROM pg_catalog.pg_inherits i
JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
JOIN pg_catalog.pg_namespace n ON n.oid = p.relnamespace
WHERE i.inhrelid = $1
ORDER BY i.inhseqno`

const describeInheritors = `
SELECT n.nspname, c.relname
FROM pg_catalog.pg_inherits i
JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE i.inhparent = $1 AND NOT c.relispartition
ORDER BY 1, 2`

const describePartitions = `
SELECT n.nspname, c.relname, t.isleaf
FROM pg_catalog.pg_partition_tree($1) t
JOIN pg_catalog.pg_class c ON c.oid = t.relid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE t.relid OPERATOR(pg_catalog.<>) $1
ORDER BY 1, 2`

// describeUnique reads the unique indexes that can identify a row: valid,
// without a predicate or an expression; INCLUDE columns are not part of
// the key.
const describeUnique = `
SELECT ic.relname, NOT i.indimmediate, COALESCE(co.condeferred, false),
  pg_catalog.array_to_json(pg_catalog.array_agg(a.attname ORDER BY k.ord))
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN pg_catalog.pg_constraint co ON co.conindid = i.indexrelid AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u')
CROSS JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid
  AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
GROUP BY ic.relname, i.indimmediate, co.condeferred, i.indisprimary
ORDER BY i.indisprimary DESC, ic.relname`

const describeCollations = `
SELECT a.attname
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND NOT co.collisdeterministic`

const describeDomains = `
SELECT a.attname
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND t.typtype = 'd'`

type scanner interface{ Scan(dest ...any) error }

// describeRelation adds what capture must know beyond the columns: the
// table's place among partitions and inheritance, its unique indexes, and
// the columns whose values compare or accept NULL in ways of their own.
func describeRelation(ctx context.Context, db fsql.Querier, oid uint32, t *fsql.Table) error {
	each := func(what, query string, fn func(scanner) error) error {
		rows, err := db.QueryContext(ctx, query, oid)
		if err != nil {
			return fmt.Errorf("describe %s of %s: %w", what, t, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				return fmt.Errorf("describe %s of %s: %w", what, t, err)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("describe %s of %s: %w", what, t, err)
		}
		return nil
	}
	column := func(name string) *fsql.Column {
		for i := range t.Columns {
			if t.Columns[i].Name == name {
				return &t.Columns[i]
			}
		}
		return &fsql.Column{}
	}
	var domains []string
	return errors.Join(
		each("inheritance", describeParents, func(r scanner) error {
			var rel fsql.Relation
			var partition bool
			if err := r.Scan(&rel.Schema, &rel.Name, &partition); err != nil {
				return err
			}
			if partition {
				t.PartitionOf = rel.String()
			} else {
				t.InheritsFrom = append(t.InheritsFrom, rel.String())
			}
			return nil
		}),
		each("inheritance", describeInheritors, func(r scanner) error {
			var rel fsql.Relation
			if err := r.Scan(&rel.Schema, &rel.Name); err != nil {
				return err
			}
			t.Inheritors = append(t.Inheritors, rel.String())
			return nil
		}),
		each("partitions", describePartitions, func(r scanner) error {
			var p fsql.Partition
			if err := r.Scan(&p.Schema, &p.Name, &p.Leaf); err != nil {
				return err
			}
			t.Partitions = append(t.Partitions, p)
			return nil
		}),
		each("unique indexes", describeUnique, func(r scanner) error {
			var u fsql.UniqueIndex
			var cols []byte
			if err := r.Scan(&u.Name, &u.Deferrable, &u.InitiallyDeferred, &cols); err != nil {
				return err
			}
			if err := json.Unmarshal(cols, &u.Columns); err != nil {
				return err
			}
			t.Unique = append(t.Unique, u)
			return nil
		}),
		each("collations", describeCollations, func(r scanner) error {
			var name string
			if err := r.Scan(&name); err != nil {
				return err
			}
			column(name).Nondeterministic = true
			return nil
		}),
		each("domains", describeDomains, func(r scanner) error {
			var name string
			if err := r.Scan(&name); err != nil {
				return err
			}
			domains = append(domains, name)
			return nil
		}),
		func() error {
			for _, name := range domains {
				c := column(name)
				refuses, err := refusesNull(ctx, db, c.Type)
				if err != nil {
					return fmt.Errorf("describe type of %s column %s: %w", t, name, err)
				}
				c.RefusesNull = refuses
			}
			return nil
		}(),
	)
}

// refusesNull casts NULL to a domain type: its NOT NULL or a CHECK that
// NULL fails refuses the cast.
func refusesNull(ctx context.Context, db fsql.Querier, typ string) (bool, error) {
	var ok bool
	err := db.QueryRowContext(ctx, "SELECT CAST(NULL AS "+typ+") IS NULL").Scan(&ok)
	var pg *pgconn.PgError
	if errors.As(err, &pg) && (pg.Code == "23502" || pg.Code == "23514") {
		return true, nil
	}
	return false, err
}
