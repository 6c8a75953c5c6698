package sqlserver

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

type capture struct{}

// Capture is one trigger per table, AFTER INSERT, UPDATE, DELETE, that
// writes the whole statement's changes with one INSERT ... SELECT (a
// multi-row statement is one set-based insert, not a loop).
//
// The trigger joins inserted and deleted by the capture key, which gives one
// net change per key and statement: a key in both is an update, only in
// deleted a delete, only in inserted a create. An UPDATE that moves keys onto
// each other (SET id = id + 1) thus leaves each key with its own outcome
// (design.md, trap 5). The key must be unique, as a primary key is.
//
//   - SET NOCOUNT ON keeps the trigger's insert from adding a "rows
//     affected" count that applications and ORMs would read as their own.
//   - WITH EXECUTE AS OWNER runs the trigger as the table's owner, so an
//     application role needs no right on the capture schema; the owner
//     (dbo, usually) needs INSERT on the outbox.
//   - It is not NOT FOR REPLICATION: a change that a SQL Server replication
//     agent makes is a change of the table, and Ferry must carry it. Loop
//     prevention for two-way sync uses SESSION_CONTEXT instead (originGuard).
//   - Nested triggers: the outbox has no trigger, so the insert fires
//     nothing; a change another trigger makes to a captured table fires this
//     one again for that statement, and is captured, as it should be.
//   - text, ntext and image cannot be read from inserted and deleted (SQL
//     Server refuses them in AFTER triggers): the after image re-reads them
//     from the table by key, which inside the trigger is the statement's
//     result; the before image leaves them out (the old value is gone).
//   - CREATE TRIGGER must open its batch: it is a statement of its own.
//   - TRUNCATE TABLE fires no trigger and no DDL event (it logs no row
//     deletions): SQL Server cannot capture it; see Gaps.

// Gaps are the changes this dialect's capture cannot see, for `ferry
// migrate status` and the README.
var Gaps = []string{
	"TRUNCATE TABLE fires no trigger (nor a DDL trigger): a truncated table is not captured; delete with DELETE, " +
		"or block TRUNCATE on captured tables (a foreign key that references them does)",
	"the before image of an update or delete leaves out text, ntext and image columns, which a trigger cannot read",
}

// triggerName carries the capture schema, so two capture schemas never
// collide in a schema's namespace, and the table's registry id.
func triggerName(captureSchema string, id int) string {
	return captureSchema + "_capture_" + strconv.Itoa(id)
}

// lobTypes are the deprecated large types that inserted and deleted cannot hold.
var lobTypes = map[string]bool{"text": true, "ntext": true, "image": true}

// imageColumns are the columns an image carries: the table's, less the
// excluded ones, with their parsed types.
func imageColumns(s fsql.CaptureSpec) ([]fsql.Column, []colType, error) {
	var cols []fsql.Column
	var types []colType
	for _, c := range s.Table.Columns {
		if slices.Contains(s.Exclude, c.Name) {
			continue
		}
		t, err := parseType(c.Type)
		if err != nil {
			return nil, nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		cols = append(cols, c)
		types = append(types, t)
	}
	return cols, types, nil
}

// valueExpr is an nvarchar expression that is the JSON text of column ref's
// value (never NULL: SQL NULL is the text null), in the image forms that
// Neutral reads. Every conversion names its style, so the text does not
// depend on the session's language or date format.
func valueExpr(t colType, ref string) (string, error) {
	str := func(e string) string { return "ISNULL(N'\"' + " + e + " + N'\"', N'null')" }
	switch t.Base {
	case "bit":
		return fmt.Sprintf("CASE WHEN %[1]s IS NULL THEN N'null' WHEN %[1]s = 1 THEN N'true' ELSE N'false' END", ref), nil
	case "tinyint", "smallint", "int", "bigint":
		return "ISNULL(CONVERT(nvarchar(20), " + ref + "), N'null')", nil
	case "decimal", "numeric":
		// Plain notation with the column's scale: "-0.0010", never an exponent.
		return str("CONVERT(nvarchar(41), " + ref + ")"), nil
	case "money", "smallmoney":
		// Style 2: four decimals, no thousands separators (style 0 rounds to two).
		return str("CONVERT(nvarchar(30), " + ref + ", 2)"), nil
	case "float", "real":
		// Style 3: 17 significant digits, distinct for every distinct value.
		return str("CONVERT(nvarchar(30), " + ref + ", 3)"), nil
	case "date":
		return str("CONVERT(nvarchar(10), " + ref + ", 23)"), nil
	case "time":
		return str("CONVERT(nvarchar(16), " + ref + ", 121)"), nil
	case "datetime2", "datetime":
		return str("CONVERT(nvarchar(27), " + ref + ", 121)"), nil
	case "smalldatetime":
		return str("CONVERT(nvarchar(19), " + ref + ", 120)"), nil
	case "datetimeoffset":
		return str("CONVERT(nvarchar(34), " + ref + ", 121)"), nil
	case "char", "varchar", "nchar", "nvarchar":
		return str("STRING_ESCAPE(" + ref + ", 'json')"), nil
	case "text", "ntext", "xml", "json":
		return str("STRING_ESCAPE(CONVERT(nvarchar(max), " + ref + "), 'json')"), nil
	case "binary", "varbinary", "rowversion":
		// Style 2: hexadecimal without 0x; Neutral turns it into base64.
		return str("CONVERT(nvarchar(max), " + ref + ", 2)"), nil
	case "image":
		return str("CONVERT(nvarchar(max), CONVERT(varbinary(max), " + ref + "), 2)"), nil
	case "uniqueidentifier":
		return str("CONVERT(nvarchar(36), " + ref + ")"), nil
	}
	if why, ok := unsupported[t.Base]; ok {
		return "", fmt.Errorf("type %s cannot be captured: %s", t, why)
	}
	return "", fmt.Errorf("type %s cannot be captured exactly; exclude the column", t)
}

// imageExpr is the image of one row: a JSON object of the columns in
// order, built by concatenation (FOR JSON PATH would nest a column whose
// name holds a dot). It starts as nvarchar(max) so that nothing truncates.
// alias(c) names the row the column is read from; skip leaves a column out.
func imageExpr(cols []fsql.Column, types []colType, alias func(i int) string, skip func(i int) bool, indent string) (string, error) {
	var b strings.Builder
	b.WriteString("CAST(N'{' AS nvarchar(max))")
	sep := ""
	for i, c := range cols {
		if skip(i) {
			continue
		}
		v, err := valueExpr(types[i], alias(i)+"."+ident(c.Name))
		if err != nil {
			return "", fmt.Errorf("column %s: %w", c.Name, err)
		}
		fmt.Fprintf(&b, "\n%s+ %s + %s", indent, literal(sep+jsonName(c.Name)+":"), v)
		sep = ","
	}
	fmt.Fprintf(&b, "\n%s+ N'}'", indent)
	return b.String(), nil
}

// marker is a column name for "this side of the join has a row" that no
// column of the table has (names compare without case, as most
// collations do).
func marker(cols []fsql.Column) string {
	taken := func(n string) bool {
		return slices.ContainsFunc(cols, func(c fsql.Column) bool { return strings.EqualFold(c.Name, n) })
	}
	name := "ferry_row"
	for i := 1; taken(name); i++ {
		name = "ferry_row_" + strconv.Itoa(i)
	}
	return name
}

// keyMatch joins two aliases on the key columns; a nullable key column
// matches NULL to NULL, as the key's identity needs.
func keyMatch(t *fsql.Table, key []string, a, b string) string {
	conds := make([]string, len(key))
	for i, k := range key {
		c, _ := t.Column(k)
		eq := a + "." + ident(k) + " = " + b + "." + ident(k)
		if c.Nullable {
			eq = fmt.Sprintf("(%s OR (%s.%s IS NULL AND %s.%s IS NULL))", eq, a, ident(k), b, ident(k))
		}
		conds[i] = eq
	}
	return strings.Join(conds, " AND ")
}

// originGuard is the hook for loop prevention in two-way sync (a later
// task): with an origin, the trigger ignores the changes of a session that
// set SESSION_CONTEXT(N'ferry.origin') to it, which is what the applier
// will do on a database that is also a source. Without one it is a comment.
func originGuard(origin string) string {
	if origin == "" {
		return "-- Loop prevention (two-way sync) goes here: RETURN when SESSION_CONTEXT(N'ferry.origin') names this pipeline."
	}
	return "IF CAST(SESSION_CONTEXT(N'ferry.origin') AS nvarchar(128)) = " + literal(origin) + " RETURN;"
}

// Triggers returns the one statement that installs or replaces capture of a
// table: CREATE OR ALTER TRIGGER, alone in its batch.
func (capture) Triggers(s fsql.CaptureSpec) ([]string, error) {
	stmt, err := trigger(s, "")
	if err != nil {
		return nil, err
	}
	return []string{stmt}, nil
}

func trigger(s fsql.CaptureSpec, origin string) (string, error) {
	t := s.Table
	if len(s.Key) == 0 {
		return "", fmt.Errorf("table %s has no capture key", t)
	}
	cols, types, err := imageColumns(s)
	if err != nil {
		return "", err
	}
	var lobs bool
	var read []string // the columns read from inserted and deleted
	for i, c := range cols {
		if lobTypes[types[i].Base] {
			lobs = true
			continue
		}
		read = append(read, ident(c.Name))
	}
	for _, k := range s.Key {
		i := slices.IndexFunc(cols, func(c fsql.Column) bool { return c.Name == k })
		if i < 0 {
			return "", fmt.Errorf("key column %s is excluded or does not exist", k)
		}
		if lobTypes[types[i].Base] {
			return "", fmt.Errorf("key column %s is of type %s, which a trigger cannot read", k, types[i])
		}
	}
	row := ident(marker(cols))
	fromRow := func(a string) func(int) string { return func(int) string { return a } }
	after, err := imageExpr(cols, types, func(i int) string {
		if lobTypes[types[i].Base] {
			return "b"
		}
		return "i"
	}, func(int) bool { return false }, "            ")
	if err != nil {
		return "", err
	}
	before, err := imageExpr(cols, types, fromRow("d"), func(i int) bool { return lobTypes[types[i].Base] }, "            ")
	if err != nil {
		return "", err
	}
	sel := strings.Join(append([]string{"1 AS " + row}, read...), ", ")
	table := ident(t.Schema, t.Name)
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE OR ALTER TRIGGER %s ON %s\n", ident(t.Schema, triggerName(s.CaptureSchema, s.ID)), table)
	b.WriteString("WITH EXECUTE AS OWNER\nAFTER INSERT, UPDATE, DELETE\nAS\nBEGIN\n")
	fmt.Fprintf(&b, "    -- ferry: captures changes of %s into %s as table %d.\n",
		oneLine(t.Schema+"."+t.Name), oneLine(s.CaptureSchema+".outbox"), s.ID)
	b.WriteString("    SET NOCOUNT ON;\n")
	b.WriteString("    IF NOT EXISTS (SELECT 1 FROM inserted) AND NOT EXISTS (SELECT 1 FROM deleted) RETURN;\n")
	fmt.Fprintf(&b, "    %s\n", originGuard(origin))
	fmt.Fprintf(&b, "    INSERT INTO %s ([table_id], [op], [before], [after])\n", ident(s.CaptureSchema, "outbox"))
	fmt.Fprintf(&b, "    SELECT %d,\n", s.ID)
	fmt.Fprintf(&b, "        CASE WHEN d.%[1]s IS NULL THEN 'c' WHEN i.%[1]s IS NULL THEN 'd' ELSE 'u' END,\n", row)
	fmt.Fprintf(&b, "        CASE WHEN d.%s = 1 THEN %s END,\n", row, before)
	fmt.Fprintf(&b, "        CASE WHEN i.%s = 1 THEN %s END\n", row, after)
	fmt.Fprintf(&b, "    FROM (SELECT %s FROM inserted) AS i\n", sel)
	fmt.Fprintf(&b, "    FULL OUTER JOIN (SELECT %s FROM deleted) AS d\n", sel)
	fmt.Fprintf(&b, "        ON %s", keyMatch(t, s.Key, "i", "d"))
	if lobs {
		fmt.Fprintf(&b, "\n    LEFT JOIN %s AS b ON %s", table, keyMatch(t, s.Key, "b", "i"))
	}
	b.WriteString(";\nEND")
	return b.String(), nil
}

// oneLine keeps a name from ending a comment line.
func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

// Register returns the statement that records a captured table.
func (capture) Register(s fsql.CaptureSpec, hash string) (string, error) {
	cols, err := fsql.ColumnsJSON(s.Table.Columns)
	if err != nil {
		return "", err
	}
	key, err := json.Marshal(nonNil(s.Key))
	if err != nil {
		return "", err
	}
	excl, err := json.Marshal(nonNil(s.Exclude))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`MERGE %s WITH (HOLDLOCK) AS t
USING (VALUES (%d, %s, %s, %s, %s, %s, %s))
    AS s ([id], [schema_name], [table_name], [key_columns], [excluded], [columns], [ddl_hash])
ON t.[id] = s.[id]
WHEN MATCHED THEN UPDATE SET
    t.[schema_name] = s.[schema_name], t.[table_name] = s.[table_name],
    t.[key_columns] = s.[key_columns], t.[excluded] = s.[excluded],
    t.[columns] = s.[columns], t.[ddl_hash] = s.[ddl_hash], t.[updated_at] = SYSUTCDATETIME()
WHEN NOT MATCHED THEN INSERT ([id], [schema_name], [table_name], [key_columns], [excluded], [columns], [ddl_hash])
    VALUES (s.[id], s.[schema_name], s.[table_name], s.[key_columns], s.[excluded], s.[columns], s.[ddl_hash])`,
		ident(s.CaptureSchema, "captured"), s.ID, literal(s.Table.Schema), literal(s.Table.Name),
		literal(string(key)), literal(string(excl)), literal(cols), literal(hash)), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DropTriggers drops the table's trigger, if the table and it still exist,
// and its registry row.
func (capture) DropTriggers(captureSchema string, r fsql.Registered) ([]string, error) {
	return []string{
		"DROP TRIGGER IF EXISTS " + ident(r.Schema, triggerName(captureSchema, r.ID)),
		fmt.Sprintf("DELETE FROM %s WHERE [id] = %d", ident(captureSchema, "captured"), r.ID),
	}, nil
}

// Registry reads the capture registry.
func (capture) Registry(ctx context.Context, db fsql.Querier, captureSchema string) ([]fsql.Registered, error) {
	var exists int
	if err := db.QueryRowContext(ctx, `SELECT CASE WHEN OBJECT_ID(@p1, N'U') IS NULL THEN 0 ELSE 1 END`,
		ident(captureSchema, "captured")).Scan(&exists); err != nil {
		return nil, fmt.Errorf("look for the capture registry in schema %s: %w", captureSchema, err)
	}
	if exists == 0 {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, registrySelect(captureSchema))
	if err != nil {
		return nil, fmt.Errorf("read the capture registry: %w", err)
	}
	defer rows.Close()
	var out []fsql.Registered
	for rows.Next() {
		var r fsql.Registered
		var key, exclude, cols string
		if err := rows.Scan(&r.ID, &r.Schema, &r.Name, &key, &exclude, &cols, &r.Hash); err != nil {
			return nil, fmt.Errorf("read the capture registry: %w", err)
		}
		for _, f := range []struct {
			src string
			dst any
		}{{key, &r.Key}, {exclude, &r.Exclude}, {cols, &r.Columns}} {
			if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
				return nil, fmt.Errorf("read the capture registry entry of %s: %w", r, err)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func registrySelect(captureSchema string) string {
	return `SELECT [id], [schema_name], [table_name], [key_columns], [excluded], [columns], [ddl_hash] FROM ` +
		ident(captureSchema, "captured") + ` ORDER BY [id]`
}

// inspectTrigger finds Ferry's trigger of one captured table by its name,
// wherever the table is now (a renamed or transferred table keeps its
// triggers): the table, whether the trigger is disabled, and how many of
// INSERT, UPDATE and DELETE it fires on.
const inspectTrigger = `
SELECT s.[name], o.[name], tr.[is_disabled],
    (SELECT COUNT(DISTINCT te.[type]) FROM sys.trigger_events AS te
     WHERE te.[object_id] = tr.[object_id] AND te.[type] IN (1, 2, 3))
FROM sys.triggers AS tr
JOIN sys.objects AS o ON o.[object_id] = tr.[parent_id]
JOIN sys.schemas AS s ON s.[schema_id] = o.[schema_id]
WHERE tr.[name] = @p1 AND o.[type] = 'U'`

// Inspect finds where a registered table's trigger is and whether it is in
// force: present, enabled, firing on all three events.
func (capture) Inspect(ctx context.Context, db fsql.Querier, captureSchema string, r fsql.Registered) (fsql.Installed, error) {
	var in fsql.Installed
	var schema, table string
	var disabled bool
	var events int
	err := db.QueryRowContext(ctx, inspectTrigger, triggerName(captureSchema, r.ID)).Scan(&schema, &table, &disabled, &events)
	if errors.Is(err, stdsql.ErrNoRows) {
		return in, nil // no table carries it
	}
	if err != nil {
		return in, fmt.Errorf("inspect the capture of %s: %w", r, err)
	}
	in.Table = schema + "." + table
	if disabled {
		in.Problems = append(in.Problems, "its capture trigger is disabled (ALTER TABLE ... ENABLE TRIGGER, or `ferry migrate up`)")
	}
	if events != 3 {
		in.Problems = append(in.Problems, "its capture trigger no longer fires on all of INSERT, UPDATE and DELETE")
	}
	return in, nil
}

// Check refuses what the trigger cannot capture exactly, and names what
// it does not follow.
func (capture) Check(t *fsql.Table, key, exclude []string) (problems []error, gaps []string) {
	for _, k := range key {
		c, ok := t.Column(k)
		if !ok {
			continue
		}
		ct, err := parseType(c.Type)
		if err != nil {
			problems = append(problems, fmt.Errorf("key column %s: %w", k, err))
			continue
		}
		switch {
		case lobTypes[ct.Base]:
			problems = append(problems, fmt.Errorf("key column %s is of type %s, which a trigger cannot read; configure another key", k, ct))
		case ct.Base == "xml" || ct.Base == "json":
			problems = append(problems, fmt.Errorf("key column %s is of type %s, which has no equality; configure another key", k, ct))
		case c.Kind == fsql.KindText:
			gaps = append(gaps, fmt.Sprintf("key column %s compares by its collation (%s) and ignores trailing spaces: "+
				"an update that changes the key only in case or trailing spaces travels as a delete and a create of two keys "+
				"that a target comparing the same way sees as one row, in either order", k, factsOf(c).Collation))
		}
	}
	for _, x := range exclude {
		if slices.Contains(key, x) {
			problems = append(problems, fmt.Errorf("key column %s cannot be excluded", x))
		}
	}
	return problems, append(gaps, Gaps...)
}
