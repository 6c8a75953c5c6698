package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

type capture struct{}

// settings pins, per kind of column, the text forms that row_to_json
// takes from the session: shortest exact floats, hex bytea, ISO 8601
// intervals. Only the settings a table needs are pinned, because each costs
// every captured statement a GUC save and restore. Timestamps need none:
// JSON carries them in ISO form with their UTC offset, whatever DateStyle
// and TimeZone say.
var settings = []struct {
	kind  fsql.Kind
	value string
}{
	{fsql.KindFloat, "SET extra_float_digits = 1"},
	{fsql.KindBinary, "SET bytea_output = 'hex'"},
	{fsql.KindInterval, "SET intervalstyle = 'iso_8601'"},
}

// functionHeader makes the trigger function SECURITY DEFINER, so that an
// application role with no rights on the capture schema writes through it.
// Rather than pin search_path (a GUC change on every call), the body names
// every function, type and operator with pg_catalog, which is what keeps a
// caller's search_path from redirecting anything the function runs.
func functionHeader(t *fsql.Table) string {
	var b strings.Builder
	b.WriteString("LANGUAGE plpgsql SECURITY DEFINER")
	for _, s := range pinnedSettings(t) {
		b.WriteString("\n" + s)
	}
	return b.String()
}

// pinnedSettings are the settings the table's images are taken under, as
// SET statements: the trigger function's header carries them, and a
// snapshot read runs them with SET LOCAL, so that a row read by a snapshot
// has the same text as the same row captured by a trigger.
func pinnedSettings(t *fsql.Table) []string {
	var out []string
	for _, s := range settings {
		if slices.ContainsFunc(t.Columns, func(c fsql.Column) bool { return c.Kind == s.kind || c.Elem == s.kind }) {
			out = append(out, s.value)
		}
	}
	return out
}

// imageOf is the JSON image of the row alias, without the excluded
// columns: what the triggers write into the outbox and what a snapshot
// reads, so that both have one form.
func imageOf(alias string, exclude []string) string {
	if len(exclude) == 0 {
		return "pg_catalog.row_to_json(" + alias + ")"
	}
	return "(pg_catalog.to_jsonb(" + alias + ") OPERATOR(pg_catalog.-) " + textArray(exclude) + ")::pg_catalog.json"
}

// bodyQuote quotes function bodies. Names inside a body are quoted
// identifiers or literals, so the tag can only appear through a name that
// contains it; Triggers refuses those.
const bodyQuote = "$ferry$"

// Trigger and function names. The trigger names carry the capture schema so
// that two capture schemas in one database never collide on a table.
func triggerName(captureSchema, op string) string { return captureSchema + "_capture_" + op }
func functionName(id int, op string) string       { return "capture_" + strconv.Itoa(id) + "_" + op }

var ops = []struct {
	name, event, referencing string
}{
	{"ins", "INSERT", "REFERENCING NEW TABLE AS ferry_new"},
	{"upd", "UPDATE", "REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new"},
	{"del", "DELETE", "REFERENCING OLD TABLE AS ferry_old"},
}

// Triggers installs three statement-level triggers (one per event: a trigger
// with transition tables may have only one) and records the table in the
// registry. Old and new rows of an UPDATE are paired by their position in
// the transition tables, which PostgreSQL fills in step, one pair per row;
// the key cannot pair them, because an UPDATE may change the key.
func (capture) Triggers(s fsql.CaptureSpec) ([]string, error) {
	t := s.Table
	for _, name := range []string{s.CaptureSchema, t.Schema, t.Name} {
		if strings.Contains(name, bodyQuote) {
			return nil, fmt.Errorf("name %q contains %s, which Ferry reserves", name, bodyQuote)
		}
	}
	image := func(alias string) string { return imageOf(alias, s.Exclude) }
	outbox := ident(s.CaptureSchema, "outbox")
	id := strconv.Itoa(s.ID)
	bodies := map[string]string{
		"ins": fmt.Sprintf(`  INSERT INTO %s (table_id, op, after)
  SELECT %s, 'c', %s FROM ferry_new n;`, outbox, id, image("n")),
		"upd": fmt.Sprintf(`  INSERT INTO %s (table_id, op, before, after)
  SELECT %s, 'u', o.image, n.image
  FROM (SELECT pg_catalog.row_number() OVER () AS pos, %s AS image FROM ferry_old o) o
  JOIN (SELECT pg_catalog.row_number() OVER () AS pos, %s AS image FROM ferry_new n) n
    ON o.pos OPERATOR(pg_catalog.=) n.pos
  ORDER BY o.pos;`, outbox, id, image("o"), image("n")),
		"del": fmt.Sprintf(`  INSERT INTO %s (table_id, op, before)
  SELECT %s, 'd', %s FROM ferry_old o;`, outbox, id, image("o")),
	}
	table := ident(t.Schema, t.Name)
	var stmts []string
	for _, op := range ops {
		fn := ident(s.CaptureSchema, functionName(s.ID, op.name))
		stmts = append(stmts,
			fmt.Sprintf("CREATE OR REPLACE FUNCTION %s() RETURNS trigger\n%s\nAS %s\nBEGIN\n%s\n  RETURN NULL;\nEND\n%s",
				fn, functionHeader(t), bodyQuote, bodies[op.name], bodyQuote),
			fmt.Sprintf("COMMENT ON FUNCTION %s() IS %s", fn,
				literal(fmt.Sprintf("ferry: captures %s of %s.%s", strings.ToLower(op.event), t.Schema, t.Name))),
			fmt.Sprintf("DROP TRIGGER IF EXISTS %s ON %s", ident(triggerName(s.CaptureSchema, op.name)), table),
			fmt.Sprintf("CREATE TRIGGER %s AFTER %s ON %s %s\nFOR EACH STATEMENT EXECUTE FUNCTION %s()",
				ident(triggerName(s.CaptureSchema, op.name)), op.event, table, op.referencing, fn),
		)
	}
	return stmts, nil
}

// Register records a captured table; hash identifies the DDL installed.
func (capture) Register(s fsql.CaptureSpec, hash string) (string, error) {
	cols, err := fsql.ColumnsJSON(s.Table.Columns)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`INSERT INTO %s (id, schema_name, table_name, key_columns, excluded, columns, ddl_hash)
VALUES (%d, %s, %s, %s, %s, %s::jsonb, %s)
ON CONFLICT (id) DO UPDATE SET
  schema_name = EXCLUDED.schema_name, table_name = EXCLUDED.table_name,
  key_columns = EXCLUDED.key_columns, excluded = EXCLUDED.excluded,
  columns = EXCLUDED.columns, ddl_hash = EXCLUDED.ddl_hash, updated_at = now()`,
		ident(s.CaptureSchema, "captured"), s.ID, literal(s.Table.Schema), literal(s.Table.Name),
		textArray(s.Key), textArray(s.Exclude), literal(cols), literal(hash)), nil
}

// DropTriggers drops the capture functions; CASCADE takes their triggers,
// so this works even when the table itself is already gone.
func (capture) DropTriggers(captureSchema string, r fsql.Registered) ([]string, error) {
	var stmts []string
	for _, op := range ops {
		stmts = append(stmts, fmt.Sprintf("DROP FUNCTION IF EXISTS %s() CASCADE", ident(captureSchema, functionName(r.ID, op.name))))
	}
	stmts = append(stmts, fmt.Sprintf("DELETE FROM %s WHERE id = %d", ident(captureSchema, "captured"), r.ID))
	return stmts, nil
}

// Registry reads the capture registry.
func (capture) Registry(ctx context.Context, db fsql.Querier, captureSchema string) ([]fsql.Registered, error) {
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, ident(captureSchema, "captured")).Scan(&exists); err != nil {
		return nil, fmt.Errorf("look for the capture registry in schema %s: %w", captureSchema, err)
	}
	if !exists {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(
		`SELECT id, schema_name, table_name, array_to_json(key_columns), array_to_json(excluded), columns, ddl_hash FROM %s ORDER BY id`,
		ident(captureSchema, "captured")))
	if err != nil {
		return nil, fmt.Errorf("read the capture registry: %w", err)
	}
	defer rows.Close()
	var out []fsql.Registered
	for rows.Next() {
		var r fsql.Registered
		var key, exclude, cols []byte
		if err := rows.Scan(&r.ID, &r.Schema, &r.Name, &key, &exclude, &cols, &r.Hash); err != nil {
			return nil, fmt.Errorf("read the capture registry: %w", err)
		}
		for _, f := range []struct {
			src []byte
			dst any
		}{{key, &r.Key}, {exclude, &r.Exclude}, {cols, &r.Columns}} {
			if err := json.Unmarshal(f.src, f.dst); err != nil {
				return nil, fmt.Errorf("read the capture registry entry of %s: %w", r, err)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// InstalledTriggers counts Ferry's triggers on the table.
func (capture) InstalledTriggers(ctx context.Context, db fsql.Querier, captureSchema string, r fsql.Registered) (int, error) {
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = triggerName(captureSchema, op.name)
	}
	var n int
	err := db.QueryRowContext(ctx, `
SELECT count(*) FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = $1 AND c.relname = $2 AND t.tgname = ANY($3) AND t.tgenabled <> 'D'`,
		r.Schema, r.Name, names).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count capture triggers on %s: %w", r, err)
	}
	return n, nil
}

// TriggersPerTable is three: insert, update, delete.
func (capture) TriggersPerTable() int { return len(ops) }
