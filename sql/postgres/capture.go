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
// says, and the relay turns every offset into UTC, which costs the source
// nothing (pinning TimeZone would cost every statement of every table with
// a timestamptz column; docs/benchmarks.md).
var settings = []struct {
	needs func(fsql.Column) bool
	value string
}{
	{func(c fsql.Column) bool { return c.Kind == fsql.KindFloat || c.Elem == fsql.KindFloat }, "SET extra_float_digits = 1"},
	{func(c fsql.Column) bool { return c.Kind == fsql.KindBinary || c.Elem == fsql.KindBinary }, "SET bytea_output = 'hex'"},
	{func(c fsql.Column) bool { return c.Kind == fsql.KindInterval || c.Elem == fsql.KindInterval }, "SET intervalstyle = 'iso_8601'"},
	// An xml array's image is read back (see imageFunction), and xml's
	// input follows xmloption: a session set to DOCUMENT would refuse
	// content that is not one.
	{func(c fsql.Column) bool { return c.Array && c.BaseType == "xml" }, "SET xmloption = content"},
}

// functionHeader makes the trigger function SECURITY DEFINER, so that an
// application role with no rights on the capture schema writes through it.
// Rather than pin search_path (a GUC change on every call), the body names
// every function, type and operator with pg_catalog, which is what keeps a
// caller's search_path from redirecting anything the function runs.
func functionHeader(t *fsql.Table, exclude []string) string {
	var b strings.Builder
	b.WriteString("LANGUAGE plpgsql SECURITY DEFINER")
	for _, s := range pinnedSettings(t, exclude) {
		b.WriteString("\n" + s)
	}
	return b.String()
}

// pinnedSettings are the settings a table's images are taken under, as SET
// statements: the trigger functions' header carries them, and a snapshot
// read runs them with SET LOCAL, so that a row read by a snapshot has the
// same text as the same row captured by a trigger.
func pinnedSettings(t *fsql.Table, exclude []string) []string {
	var out []string
	for _, s := range settings {
		if slices.ContainsFunc(t.Columns, func(c fsql.Column) bool { return s.needs(c) && !slices.Contains(exclude, c.Name) }) {
			out = append(out, s.value)
		}
	}
	return out
}

// variableConflict makes a PL/pgSQL variable (TG_RELID, a parameter) win
// over a column of the same name in the function's queries, which would
// otherwise be ambiguous: the queries name every column qualified.
const variableConflict = "#variable_conflict use_variable\n"

// bodyQuote quotes function bodies. Names inside a body are quoted
// identifiers or literals, so the tag can only appear through a name that
// contains it; Triggers refuses those.
const bodyQuote = "$ferry$"

// Trigger and function names. The trigger names carry the capture schema so
// that two capture schemas in one database never collide on a table.
func triggerName(captureSchema, op string) string { return captureSchema + "_capture_" + op }
func functionName(id int, op string) string       { return "capture_" + strconv.Itoa(id) + "_" + op }

// functions are the trigger functions of one captured table, by suffix:
// statement-level insert, update, delete and truncate; the row-level
// catch-all of a partitioned table; the image of a table with values that
// row_to_json may not carry exactly.
var functions = []string{"ins", "upd", "del", "trunc", "row", "image"}

// statementTriggers fire once per statement on every relation of a
// captured table: the table and, when it is partitioned, each partition.
var statementTriggers = []struct {
	name, event, referencing, fn string
}{
	{"ins", "AFTER INSERT", "REFERENCING NEW TABLE AS ferry_new", "ins"},
	{"upd", "AFTER UPDATE", "REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new", "upd"},
	{"del", "AFTER DELETE", "REFERENCING OLD TABLE AS ferry_old", "del"},
	{"trunc", "AFTER TRUNCATE", "", "trunc"},
}

// truncatingTrigger marks, before a TRUNCATE of a partitioned table or one
// of its partitions, which relations the statement empties as a whole.
var truncatingTrigger = struct{ name, event, fn string }{"truncating", "BEFORE TRUNCATE", "trunc"}

// rowTrigger is the row-level catch-all of a partitioned table. PostgreSQL
// clones it onto every partition, including those created or attached
// later; migrate up disables the clone on each partition that has its own
// statement-level triggers, so it runs only on partitions that do not.
const rowTrigger = "row"

// partitionArg is the argument of the triggers on partitions: they act
// only while the relation is still a partition of the captured table.
const partitionArg = "partition"

// gen generates the capture of one table.
type gen struct {
	s       fsql.CaptureSpec
	outbox  string
	id      string
	reread  []string // the captured columns whose image is checked by reading it back (arrays, json)
	exclude string   // a jsonb literal that blanks the excluded columns, or ""
}

func newGen(s fsql.CaptureSpec) (*gen, error) {
	t := s.Table
	for _, name := range []string{s.CaptureSchema, t.Schema, t.Name} {
		if strings.Contains(name, bodyQuote) {
			return nil, fmt.Errorf("name %q contains %s, which Ferry reserves", name, bodyQuote)
		}
	}
	g := &gen{s: s, outbox: ident(s.CaptureSchema, "outbox"), id: strconv.Itoa(s.ID)}
	for _, c := range t.Columns {
		if (c.Kind == fsql.KindArray || c.Kind == fsql.KindJSON) && !slices.Contains(s.Exclude, c.Name) {
			g.reread = append(g.reread, c.Name)
		}
	}
	if len(s.Exclude) > 0 {
		g.exclude = excludeLiteral(s.Exclude)
	}
	return g, nil
}

// excludeLiteral is a jsonb literal with a null for each excluded column,
// which jsonb_populate_record blanks them with.
func excludeLiteral(exclude []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range exclude {
		name, _ := json.Marshal(c) // a string always encodes
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(name)
		b.WriteString(":null")
	}
	b.WriteByte('}')
	return literal(b.String()) + "::pg_catalog.jsonb"
}

func (g *gen) fn(op string) string { return ident(g.s.CaptureSchema, functionName(g.s.ID, op)) }

// image is the JSON image of row, a whole-row value: "n.*" of a transition
// table, or NEW or OLD. A qualified whole-row reference cannot resolve to
// a column, whatever the table's columns are called. Excluded columns are
// blanked with jsonb_populate_record, which names them only inside a JSON
// literal: a column dropped or renamed later never breaks the trigger, and
// every other value is row_to_json's own, exactly. A table with arrays or
// json columns gets its image from its image function, which makes the
// few values row_to_json loses exact.
func (g *gen) image(row string) string { return g.imageAt(row, "TG_RELID") }

// imageAt is image for a row of the relation whose oid the SQL expression
// rel gives: TG_RELID in a trigger, the table's own oid in a snapshot read.
func (g *gen) imageAt(row, rel string) string {
	if g.exclude != "" {
		row = "pg_catalog.jsonb_populate_record(" + row + ", " + g.exclude + ")"
	}
	if len(g.reread) > 0 {
		return g.fn("image") + "(" + row + ", " + rel + ")"
	}
	return "pg_catalog.row_to_json(" + row + ")"
}

// keyText is a key column's text in an image i, for joining old and new
// rows by key without naming a column of the table. Equal texts are equal
// bytes, so the C collation changes nothing but the cost of comparing.
func keyText(alias, col string) string {
	return "(" + alias + ".i OPERATOR(pg_catalog.->>) " + literal(col) + `) COLLATE pg_catalog."C"`
}

// partitionGuard returns from a trigger on a partition that is no longer
// a partition of the captured table (detached): its changes are no longer
// the table's. Only partitions' triggers have an argument, so the check
// costs a statement on the table itself one comparison.
func (g *gen) partitionGuard() string {
	if !g.s.Table.Partitioned {
		return ""
	}
	return fmt.Sprintf(`  IF TG_NARGS OPERATOR(pg_catalog.>) 0 THEN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
                   WHERE t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.pg_partition_root(TG_RELID)
                     AND t.tgfoid OPERATOR(pg_catalog.=) %s::pg_catalog.regprocedure
                     AND t.tgnargs OPERATOR(pg_catalog.=) 0) THEN
      RETURN NULL;
    END IF;
  END IF;
`, literal(g.fn("ins")+"()"))
}

// bodies are the trigger functions' bodies.
func (g *gen) bodies() map[string]string {
	id, outbox := g.id, g.outbox
	guard := g.partitionGuard()
	truncating := literal("ferry.truncating_" + g.s.CaptureSchema)
	var on []string
	for _, k := range g.s.Key {
		on = append(on, keyText("o", k)+" OPERATOR(pg_catalog.=) "+keyText("n", k))
	}
	joined := fmt.Sprintf(`FROM (SELECT %s AS i FROM ferry_old o OFFSET 0) AS o
  FULL JOIN (SELECT %s AS i FROM ferry_new n OFFSET 0) AS n
    ON %s`, g.image("o.*"), g.image("n.*"), strings.Join(on, "\n   AND "))
	b := map[string]string{
		"ins": guard + g.oneOrChunks("ferry_new",
			fmt.Sprintf(`INSERT INTO %s (table_id, op, after)
  SELECT %s, 'c', %s FROM ferry_new n;`, outbox, id, g.image("n.*")),
			g.chunks("C", "SELECT "+g.image("n.*")+" AS a FROM ferry_new n", "", "after")),
		// One net change per key and statement: old and new rows joined by
		// key, so a statement that moves keys onto each other (id = id + 1,
		// a swap) gives each key the change that takes it from its old row
		// to its new one. Deletes come first, so that where a key's old and
		// new text differ for one value (1.0 and 1.00), its delete precedes
		// its create. OFFSET 0 keeps the planner from pulling the images up
		// into the join, the sort and the CASE, which made it compute each
		// one four times.
		"upd": guard + g.oneOrChunks("ferry_old",
			fmt.Sprintf(`INSERT INTO %s (table_id, op, before, after)
  SELECT %s, CASE WHEN n.i IS NULL THEN 'd' WHEN o.i IS NULL THEN 'c' ELSE 'u' END, o.i, n.i
  %s
  ORDER BY n.i IS NOT NULL, o.i IS NULL;`, outbox, id, joined),
			g.chunks("U", "SELECT o.i AS b, n.i AS a\n"+joined, "x.a IS NOT NULL, x.b IS NULL", "before", "after")),
		"del": guard + g.oneOrChunks("ferry_old",
			fmt.Sprintf(`INSERT INTO %s (table_id, op, before)
  SELECT %s, 'd', %s FROM ferry_old o;`, outbox, id, g.image("o.*")),
			g.chunks("D", "SELECT "+g.image("o.*")+" AS b FROM ferry_old o", "", "before")),
		"row": fmt.Sprintf(`  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
    INSERT INTO %[1]s (table_id, op, after) VALUES (%[2]s, 'c', %[3]s);
  ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
    INSERT INTO %[1]s (table_id, op, before, after) VALUES (%[2]s, 'u', %[4]s, %[3]s);
  ELSE
    INSERT INTO %[1]s (table_id, op, before) VALUES (%[2]s, 'd', %[4]s);
  END IF;`, outbox, id, g.image("NEW"), g.image("OLD")),
	}
	// TRUNCATE of the table is one 't' change.
	b["trunc"] = fmt.Sprintf(`  INSERT INTO %s (table_id, op) VALUES (%s, 't');`, outbox, id)
	if g.s.Table.Partitioned {
		// A partition's rows cannot be named by a truncate of the whole
		// table, so a TRUNCATE naming partitions captures a delete of each
		// of their rows, unless the same statement empties an ancestor as a
		// whole: the BEFORE trigger marks, in a transaction-local setting,
		// the relations the statement empties, ancestors first (PostgreSQL
		// fires them in that order).
		b["trunc"] = guard + fmt.Sprintf(`  IF TG_WHEN OPERATOR(pg_catalog.=) 'BEFORE' THEN
    IF TG_NARGS OPERATOR(pg_catalog.>) 0 THEN
      IF EXISTS (SELECT FROM pg_catalog.pg_partition_ancestors(TG_RELID) a
                 WHERE a.relid OPERATOR(pg_catalog.<>) TG_RELID
                   AND a.relid::pg_catalog.oid::pg_catalog.text OPERATOR(pg_catalog.=) ANY (pg_catalog.string_to_array(marks, ','))) THEN
        RETURN NULL;
      END IF;
      EXECUTE %s OPERATOR(pg_catalog.||) TG_RELID::pg_catalog.regclass::pg_catalog.text OPERATOR(pg_catalog.||) ' p';
    END IF;
    PERFORM pg_catalog.set_config(%s, marks OPERATOR(pg_catalog.||) ',' OPERATOR(pg_catalog.||) TG_RELID::pg_catalog.text, true);
    RETURN NULL;
  END IF;
  IF TG_NARGS OPERATOR(pg_catalog.=) 0 THEN
    INSERT INTO %s (table_id, op) VALUES (%s, 't');
  END IF;
  IF marks OPERATOR(pg_catalog.<>) '' THEN
    PERFORM pg_catalog.set_config(%s, pg_catalog.array_to_string(
      pg_catalog.array_remove(pg_catalog.string_to_array(marks, ','), TG_RELID::pg_catalog.text), ','), true);
  END IF;`, literal(fmt.Sprintf("INSERT INTO %s (table_id, op, before) SELECT %s, 'd', %s FROM ", outbox, id, g.image("p.*"))),
			truncating, outbox, id, truncating)
	}
	return b
}

// Chunks of a statement's changes (schema/00005): fewer than chunkChanges
// changes, and at most chunkBytes of images plus one change's (see
// chunks). A chunk is one outbox row,
// which the relay always reads whole: the bounds keep what one row brings
// into the relay's memory and into one Kafka transaction small, and keep a
// statement's images far from PostgreSQL's 1 GB limit on one value.
const (
	chunkChanges = 1000
	chunkBytes   = 1 << 20
)

// oneOrChunks writes a statement's changes: one outbox row for a statement
// that changes at most one row of the relation (transition table) rel,
// which is an OLTP application's statement and keeps its cost, chunks for
// more. A chunk costs one sequence value, one heap tuple and one index
// entry, where row by row each change did; OFFSET keeps the test from
// reading a large transition table.
//
// The chunks' statement runs with JIT compilation off, and the setting is
// put back after it. The planner cannot estimate a join of transition
// tables on key text (it assumes 1 in 200 pairs match), so an update of
// 10,000 rows looked like a join of 500,000 and was compiled, which cost
// about 20 ms a statement (docs/benchmarks.md). Off for that statement
// alone, the one-row path pays nothing for it; a function-level SET would
// cost every call a save and restore.
func (g *gen) oneOrChunks(rel, one, chunks string) string {
	indent := func(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }
	return fmt.Sprintf(`  IF EXISTS (SELECT FROM %s OFFSET 1) THEN
    DECLARE
      jit pg_catalog.text := pg_catalog.current_setting('jit');
    BEGIN
      PERFORM pg_catalog.set_config('jit', 'off', true);
    %s
      PERFORM pg_catalog.set_config('jit', jit, true);
    END;
  ELSE
  %s
  END IF;`, rel, indent(indent(chunks)), indent("  "+one))
}

// chunks is the INSERT of a statement's changes in chunks of the upper-case
// op: rows is a query with a column b (before image) or a (after image) for
// each of cols, before and after, one row per change; order is the
// changes' order, or "" for the query's own. Each chunk's images are JSON
// arrays of its changes' images, JSON null where a change has none, in
// that order; chunks take their seq in that order too.
//
// One running sum cuts the chunks: each change weighs its images' bytes
// plus chunkBytes/chunkChanges, and a chunk ends at each multiple of
// chunkBytes. So a chunk holds fewer than chunkChanges changes, and at
// most chunkBytes of images plus one change's; the sum, which only grows,
// orders the changes within it. A second window function (a row number)
// cost bulk statements about 4% more (docs/benchmarks.md).
func (g *gen) chunks(op, rows, order string, cols ...string) string {
	var picked, aggs, sizes []string
	for _, c := range cols {
		alias := c[:1] // b or a
		picked = append(picked, "x."+alias)
		aggs = append(aggs, "pg_catalog.json_agg(c."+alias+" ORDER BY c.s)")
		sizes = append(sizes, "COALESCE(pg_catalog.pg_column_size(x."+alias+"), 0)")
	}
	if order != "" {
		order = "ORDER BY " + order + " "
	}
	chunk := fmt.Sprintf("(c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) %d", chunkBytes)
	return fmt.Sprintf(`  INSERT INTO %[1]s (table_id, op, changes, %[2]s)
  SELECT %[3]s, '%[4]s', pg_catalog.count(*), %[5]s
  FROM (SELECT %[6]s,
          pg_catalog.sum(%[7]s OPERATOR(pg_catalog.+) %[8]d) OVER (%[9]sROWS UNBOUNDED PRECEDING) AS s
        FROM (%[10]s
          OFFSET 0) AS x) AS c
  GROUP BY %[11]s
  ORDER BY %[11]s;`, g.outbox, strings.Join(cols, ", "), g.id, op, strings.Join(aggs, ", "),
		strings.Join(picked, ", "), strings.Join(sizes, " OPERATOR(pg_catalog.+) "), chunkBytes/chunkChanges,
		order, strings.ReplaceAll(rows, "\n", "\n          "), chunk)
}

// imageFunction writes the image of a row of a table with arrays or json
// columns. row_to_json loses a few of their values (bounds other than 1,
// a JSON null, a json value's outer white space; the capture schema's
// exact_image says which): it reads the image's arrays and json values
// back into the row and compares the binary images. Equal, the image is
// exact as it is (one comparison a row); not, exact_image writes it again.
func (g *gen) imageFunction() string {
	var checks []string
	for chunk := range slices.Chunk(g.reread, 50) { // json_build_object takes 100 arguments
		var args []string
		for _, c := range chunk {
			args = append(args, literal(c)+", image OPERATOR(pg_catalog.->) "+literal(c))
		}
		checks = append(checks, "pg_catalog.json_build_object("+strings.Join(args, ", ")+")")
	}
	reread := "r"
	for _, c := range checks {
		reread = "pg_catalog.json_populate_record(" + reread + ", " + c + ")"
	}
	return fmt.Sprintf(`CREATE OR REPLACE FUNCTION %s(r anyelement, rel pg_catalog.oid) RETURNS pg_catalog.json
LANGUAGE plpgsql
AS %s
`+variableConflict+`DECLARE
  image pg_catalog.json := pg_catalog.row_to_json(r);
BEGIN
  IF r OPERATOR(pg_catalog.*=) %s THEN
    RETURN image;
  END IF;
  RETURN %s(image, r, rel::pg_catalog.regclass);
END
%s`, g.fn("image"), bodyQuote, reread, ident(g.s.CaptureSchema, "exact_image"), bodyQuote)
}

// relation is one relation that carries the capture triggers.
type relation struct {
	name      string // quoted
	partition bool
	leaf      bool
}

// Triggers installs the capture of one table and records it in the
// registry. Every relation of the table gets four statement-level triggers
// (insert, update and delete with transition tables, and truncate); a
// partitioned table also gets a BEFORE TRUNCATE trigger on each relation
// and the row-level catch-all. All are ENABLE ALWAYS, so that sessions
// with session_replication_role = replica are captured too.
func (capture) Triggers(s fsql.CaptureSpec) ([]string, error) {
	g, err := newGen(s)
	if err != nil {
		return nil, err
	}
	t := s.Table
	partitioned := t.Partitioned
	rels := []relation{{name: ident(t.Schema, t.Name)}}
	for _, p := range t.Partitions {
		rels = append(rels, relation{name: ident(p.Schema, p.Name), partition: true, leaf: p.Leaf})
	}
	var stmts []string
	bodies := g.bodies()
	for _, fn := range []string{"ins", "upd", "del", "trunc", "row"} {
		if fn == "row" && !partitioned {
			continue
		}
		header := functionHeader(t, s.Exclude)
		decl := ""
		if fn == "trunc" && !partitioned {
			header = functionHeader(&fsql.Table{}, nil) // no image to write
		}
		if fn == "trunc" && partitioned {
			decl = "DECLARE\n  marks pg_catalog.text := COALESCE(pg_catalog.current_setting(" +
				literal("ferry.truncating_"+s.CaptureSchema) + ", true), '');\n"
		}
		stmts = append(stmts,
			fmt.Sprintf("CREATE OR REPLACE FUNCTION %s() RETURNS trigger\n%s\nAS %s\n%s%sBEGIN\n%s\n  RETURN NULL;\nEND\n%s",
				g.fn(fn), header, bodyQuote, variableConflict, decl, bodies[fn], bodyQuote),
			fmt.Sprintf("COMMENT ON FUNCTION %s() IS %s", g.fn(fn), literal("ferry: captures "+describeFn[fn]+" of "+t.String())))
	}
	if len(g.reread) > 0 {
		stmts = append(stmts, g.imageFunction(),
			fmt.Sprintf("COMMENT ON FUNCTION %s(anyelement, pg_catalog.oid) IS %s", g.fn("image"),
				literal("ferry: writes exact images of "+t.String())))
	}
	stmts = append(stmts, g.dropStray())
	for _, r := range rels {
		arg := ""
		if r.partition {
			arg = literal(partitionArg)
		}
		create := func(name, event, referencing, fn, each string) {
			if referencing != "" {
				referencing = " " + referencing
			}
			trg := ident(triggerName(s.CaptureSchema, name))
			stmts = append(stmts,
				fmt.Sprintf("DROP TRIGGER IF EXISTS %s ON %s", trg, r.name),
				fmt.Sprintf("CREATE TRIGGER %s %s ON %s%s\nFOR EACH %s EXECUTE FUNCTION %s(%s)", trg, event, r.name, referencing, each, g.fn(fn), arg),
				fmt.Sprintf("ALTER TABLE %s ENABLE ALWAYS TRIGGER %s", r.name, trg))
		}
		for _, st := range statementTriggers {
			create(st.name, st.event, st.referencing, st.fn, "STATEMENT")
		}
		if partitioned {
			create(truncatingTrigger.name, truncatingTrigger.event, "", truncatingTrigger.fn, "STATEMENT")
		}
		if partitioned && !r.partition {
			create(rowTrigger, "AFTER INSERT OR UPDATE OR DELETE", "", "row", "ROW")
		}
	}
	// After ENABLE ALWAYS on the root, which recurses to the clones: a leaf
	// with statement-level capture does not need the row-level one.
	for _, r := range rels {
		if r.leaf {
			stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s DISABLE TRIGGER %s", r.name, ident(triggerName(s.CaptureSchema, rowTrigger))))
		}
	}
	return stmts, nil
}

var describeFn = map[string]string{
	"ins": "insert", "upd": "update", "del": "delete", "trunc": "truncate",
	"row": "changes, row by row, of partitions without statement-level capture,",
}

// dropStray removes this table's triggers from every other relation: a
// detached partition (whose triggers the guard already keeps from
// capturing), or the table itself after a rename, when the config names a
// new table by the old name.
func (g *gen) dropStray() string {
	var fns []string
	for _, fn := range functions {
		fns = append(fns, literal(functionName(g.s.ID, fn)))
	}
	return fmt.Sprintf(`DO %[1]s
DECLARE
  stray record;
BEGIN
  FOR stray IN
    SELECT t.tgname, t.tgrelid::pg_catalog.regclass::pg_catalog.text AS rel
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid
    WHERE p.pronamespace OPERATOR(pg_catalog.=) %[2]s::pg_catalog.regnamespace
      AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY[%[3]s]::pg_catalog.name[])
      AND t.tgparentid OPERATOR(pg_catalog.=) 0
      AND t.tgrelid OPERATOR(pg_catalog.<>) %[4]s::pg_catalog.regclass
      AND t.tgrelid OPERATOR(pg_catalog.<>) ALL (SELECT pt.relid FROM pg_catalog.pg_partition_tree(%[4]s::pg_catalog.regclass) pt)
  LOOP
    EXECUTE 'DROP TRIGGER ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(stray.tgname) OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) stray.rel;
  END LOOP;
END
%[1]s`, bodyQuote, literal(ident(g.s.CaptureSchema)), strings.Join(fns, ", "), literal(ident(g.s.Table.Schema, g.s.Table.Name)))
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
// on the table, its partitions and anywhere else, so this works even when
// the table itself is already gone.
func (capture) DropTriggers(captureSchema string, r fsql.Registered) ([]string, error) {
	var stmts []string
	for _, fn := range functions {
		args := "()"
		if fn == "image" {
			args = "(anyelement, pg_catalog.oid)"
		}
		stmts = append(stmts, fmt.Sprintf("DROP FUNCTION IF EXISTS %s%s CASCADE", ident(captureSchema, functionName(r.ID, fn)), args))
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
