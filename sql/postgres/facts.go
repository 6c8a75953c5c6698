package postgres

import (
	"context"
	"fmt"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// What a target table holds beyond its columns: unique and check
// constraints, triggers, and the foreign keys of other tables that refer
// to it. Unique indexes count as unique constraints: they refuse rows alike.
const (
	describeUniqueConstraints = `
SELECT ci.relname, pg_catalog.pg_get_indexdef(i.indexrelid), NOT i.indimmediate
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ci ON ci.oid = i.indexrelid
WHERE i.indrelid = $1 AND i.indisunique AND NOT i.indisprimary
ORDER BY 1`
	describeChecks = `
SELECT c.conname, pg_catalog.pg_get_constraintdef(c.oid), false
FROM pg_catalog.pg_constraint c
WHERE c.conrelid = $1 AND c.contype = 'c'
ORDER BY 1`
	describeTriggers = `
SELECT t.tgname
FROM pg_catalog.pg_trigger t
WHERE t.tgrelid = $1 AND NOT t.tgisinternal AND t.tgenabled <> 'D'
ORDER BY 1`
	describeReferencedBy = `
SELECT pg_catalog.format('%s.%s (%s)', n.nspname, r.relname, c.conname)
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
WHERE c.confrelid = $1 AND c.contype = 'f' AND c.conparentid = 0
ORDER BY 1`
)

func describeTargetFacts(ctx context.Context, db fsql.Querier, oid uint32, t *fsql.Table) error {
	var err error
	if t.UniqueConstraints, err = constraints(ctx, db, describeUniqueConstraints, oid); err != nil {
		return err
	}
	if t.Checks, err = constraints(ctx, db, describeChecks, oid); err != nil {
		return err
	}
	if t.Triggers, err = names(ctx, db, describeTriggers, oid); err != nil {
		return err
	}
	t.ReferencedBy, err = names(ctx, db, describeReferencedBy, oid)
	return err
}

func constraints(ctx context.Context, db fsql.Querier, query string, oid uint32) ([]fsql.Constraint, error) {
	rows, err := db.QueryContext(ctx, query, oid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fsql.Constraint
	for rows.Next() {
		var c fsql.Constraint
		if err := rows.Scan(&c.Name, &c.Definition, &c.Deferrable); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func names(ctx context.Context, db fsql.Querier, query string, oid uint32) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, oid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// catalogVersion fingerprints what Describe reads of the given tables: a
// column added, dropped, renamed or retyped, a key, constraint or trigger
// changed, a table dropped or created all change it.
const catalogVersion = `
WITH t AS (
	SELECT n, pg_catalog.to_regclass(n) AS oid FROM pg_catalog.unnest($1::text[]) AS n
)
SELECT coalesce(pg_catalog.md5(pg_catalog.string_agg(f, '|' ORDER BY f)), '') FROM (
	SELECT t.n || ' ' || coalesce(t.oid::oid::text, 'missing') AS f FROM t
	UNION ALL
	SELECT pg_catalog.concat_ws(' ', a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull,
		a.attidentity, a.attgenerated, a.atthasdef)
	FROM pg_catalog.pg_attribute a JOIN t ON a.attrelid = t.oid
	WHERE a.attnum > 0 AND NOT a.attisdropped
	UNION ALL
	SELECT pg_catalog.concat_ws(' ', c.conrelid, c.oid, c.conname, c.contype, c.condeferrable, c.convalidated)
	FROM pg_catalog.pg_constraint c JOIN t ON c.conrelid = t.oid OR c.confrelid = t.oid
	UNION ALL
	SELECT pg_catalog.concat_ws(' ', i.indrelid, i.indexrelid, i.indisunique, i.indimmediate)
	FROM pg_catalog.pg_index i JOIN t ON i.indrelid = t.oid
	UNION ALL
	SELECT pg_catalog.concat_ws(' ', g.tgrelid, g.oid, g.tgname, g.tgenabled)
	FROM pg_catalog.pg_trigger g JOIN t ON g.tgrelid = t.oid
) s`

func (target) CatalogVersion(ctx context.Context, q fsql.Querier, tables []*fsql.Table) (string, error) {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = ident(t.Schema, t.Name)
	}
	var v string
	if err := q.QueryRowContext(ctx, catalogVersion, names).Scan(&v); err != nil {
		return "", fmt.Errorf("read the catalog version: %w", err)
	}
	return v, nil
}
