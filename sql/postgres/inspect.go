package postgres

import (
	"context"
	"fmt"
	"slices"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// inspectTriggers finds every trigger that calls one of a registered
// table's capture functions, wherever it is.
const inspectTriggers = `
SELECT c.oid, n.nspname, c.relname, t.tgname, t.tgenabled::text, t.tgnargs, t.tgparentid OPERATOR(pg_catalog.<>) 0, p.proname
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE pn.nspname = $1 AND p.proname = ANY($2)`

// inspectTree lists a table and its partitions at every level, the table
// first. (pg_partition_tree lists nothing for a table not partitioned.)
const inspectTree = `
SELECT c.oid, n.nspname, c.relname, c.relkind <> 'p', c.relkind = 'p'
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = $1
UNION ALL
(SELECT c.oid, n.nspname, c.relname, t.isleaf, c.relkind = 'p'
 FROM pg_catalog.pg_partition_tree($1) t
 JOIN pg_catalog.pg_class c ON c.oid = t.relid
 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE t.relid <> $1
 ORDER BY t.level, 2, 3)`

type installedTrigger struct {
	name, enabled string
	args          int
	clone         bool
	fn            string
}

type installedRel struct {
	name     string
	triggers map[string]installedTrigger // by trigger name
}

// what says what a trigger captures, for messages.
var what = map[string]string{
	"ins": "inserts (and COPY)", "upd": "updates", "del": "deletes", "trunc": "TRUNCATEs",
	"truncating": "TRUNCATEs of partitions", rowTrigger: "changes of partitions without their own triggers",
}

// Inspect compares a registered table's capture with the catalog.
func (capture) Inspect(ctx context.Context, db fsql.Querier, captureSchema string, r fsql.Registered) (fsql.Installed, error) {
	var fns []string
	for _, fn := range functions {
		fns = append(fns, functionName(r.ID, fn))
	}
	rows, err := db.QueryContext(ctx, inspectTriggers, captureSchema, fns)
	if err != nil {
		return fsql.Installed{}, fmt.Errorf("inspect the capture of %s: %w", r, err)
	}
	defer rows.Close()
	rels := map[uint32]*installedRel{}
	var root uint32
	for rows.Next() {
		var oid uint32
		var schema, table string
		var t installedTrigger
		if err := rows.Scan(&oid, &schema, &table, &t.name, &t.enabled, &t.args, &t.clone, &t.fn); err != nil {
			return fsql.Installed{}, fmt.Errorf("inspect the capture of %s: %w", r, err)
		}
		rel := rels[oid]
		if rel == nil {
			rel = &installedRel{name: schema + "." + table, triggers: map[string]installedTrigger{}}
			rels[oid] = rel
		}
		rel.triggers[t.name] = t
		if t.fn == functionName(r.ID, "ins") && t.args == 0 && !t.clone {
			root = oid
		}
	}
	if err := rows.Err(); err != nil {
		return fsql.Installed{}, fmt.Errorf("inspect the capture of %s: %w", r, err)
	}
	if root == 0 {
		for oid, rel := range rels {
			for _, t := range rel.triggers {
				if !t.clone && t.args == 0 {
					root = oid // the insert trigger is gone, others are not
				}
			}
		}
	}
	if root == 0 {
		var exists bool
		if err := db.QueryRowContext(ctx, `SELECT pg_catalog.to_regclass($1) IS NOT NULL`, ident(r.Schema, r.Name)).Scan(&exists); err != nil {
			return fsql.Installed{}, fmt.Errorf("inspect the capture of %s: %w", r, err)
		}
		if exists {
			return fsql.Installed{Problems: []string{"the table has none of its capture triggers: it was dropped and created again, " +
				"or its triggers were dropped, and changes since then were not captured"}}, nil
		}
		return fsql.Installed{Problems: []string{"no table carries its capture: the table was dropped"}}, nil
	}

	in := fsql.Installed{Table: rels[root].name}
	problem := func(format string, args ...any) { in.Problems = append(in.Problems, fmt.Sprintf(format, args...)) }
	tree, err := db.QueryContext(ctx, inspectTree, root)
	if err != nil {
		return fsql.Installed{}, fmt.Errorf("inspect the partitions of %s: %w", in.Table, err)
	}
	defer tree.Close()
	partitioned := false
	seen := map[uint32]bool{}
	for tree.Next() {
		var oid uint32
		var schema, table string
		var leaf, isPartitioned bool
		if err := tree.Scan(&oid, &schema, &table, &leaf, &isPartitioned); err != nil {
			return fsql.Installed{}, fmt.Errorf("inspect the partitions of %s: %w", in.Table, err)
		}
		seen[oid] = true
		rel := rels[oid]
		if rel == nil {
			rel = &installedRel{name: schema + "." + table, triggers: map[string]installedTrigger{}}
		}
		if oid == root {
			partitioned = isPartitioned
			for _, name := range expected(partitioned, true) {
				if why := triggerState(rel.triggers, triggerName(captureSchema, name), name); why != "" {
					problem("%s", why)
				}
			}
			continue
		}
		// A partition: its own statement-level triggers, or else the clone
		// of the row-level one.
		var missing []string
		for _, name := range expected(partitioned, false) {
			if why := triggerState(rel.triggers, triggerName(captureSchema, name), name); why != "" {
				missing = append(missing, why)
			}
		}
		clone := rel.triggers[triggerName(captureSchema, rowTrigger)]
		switch {
		case len(missing) == len(expected(partitioned, false)) && clone.enabled == "A":
			problem("partition %s (created or attached since the last `ferry migrate up`) has no statement-level capture: "+
				"its changes are captured row by row, more slowly, and a TRUNCATE naming it is not captured", rel.name)
		case len(missing) == len(expected(partitioned, false)):
			problem("partition %s has no capture at all: its changes are not captured", rel.name)
		case len(missing) > 0:
			for _, m := range missing {
				problem("partition %s: %s", rel.name, m)
			}
		case leaf && clone.enabled != "D":
			problem("partition %s: its row-level trigger is enabled although statement-level capture covers it: "+
				"its changes are captured twice (the same outcome, more slowly)", rel.name)
		}
	}
	if err := tree.Err(); err != nil {
		return fsql.Installed{}, fmt.Errorf("inspect the partitions of %s: %w", in.Table, err)
	}
	var stray []string
	for oid, rel := range rels {
		if !seen[oid] {
			stray = append(stray, rel.name)
		}
	}
	slices.Sort(stray)
	for _, name := range stray {
		problem("%s is no longer a partition of %s but still carries its triggers, which ignore its changes", name, in.Table)
	}
	return in, nil
}

// expected are the triggers on a captured table (root) or on one of its
// partitions.
func expected(partitioned, root bool) []string {
	names := []string{"ins", "upd", "del", "trunc"}
	if partitioned {
		names = append(names, truncatingTrigger.name)
	}
	if partitioned && root {
		names = append(names, rowTrigger)
	}
	return names
}

// triggerState says what keeps a trigger from firing in every session,
// and what goes uncaptured; "" when nothing does.
func triggerState(triggers map[string]installedTrigger, trigger, name string) string {
	t, ok := triggers[trigger]
	switch {
	case !ok:
		return fmt.Sprintf("trigger %s is missing: %s are not captured", trigger, what[name])
	case t.enabled == "D":
		return fmt.Sprintf("trigger %s is disabled (ALTER TABLE ... DISABLE TRIGGER): %s are not captured", trigger, what[name])
	case t.enabled == "O":
		return fmt.Sprintf("trigger %s fires only while session_replication_role is origin or local: %s in sessions set to replica are not captured", trigger, what[name])
	case t.enabled == "R":
		return fmt.Sprintf("trigger %s fires only while session_replication_role is replica: %s in ordinary sessions are not captured", trigger, what[name])
	}
	return ""
}
