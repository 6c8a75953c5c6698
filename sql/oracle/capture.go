package oracle

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

// flushRows is how many captured rows a trigger buffers before it writes
// them to the outbox with one FORALL insert.
const flushRows = 1000

// Trigger names, in the capture schema (one trigger per table for DML, one
// for TRUNCATE, and a disabled twin used to test that the DML trigger
// compiles before it replaces the live one).
func triggerName(id int) string       { return "CAPTURE_" + strconv.Itoa(id) }
func truncateTrigger(id int) string   { return "CAPTURE_" + strconv.Itoa(id) + "_T" }
func checkTrigger(id int) string      { return "CAPTURE_" + strconv.Itoa(id) + "_CHECK" }
func checkTruncateName(id int) string { return "CAPTURE_" + strconv.Itoa(id) + "_TCHECK" }

// captured is a CaptureSpec with its names folded and checked.
type captured struct {
	schema string // capture schema
	spec   fsql.CaptureSpec
	cols   []fsql.Column // captured columns: the table's, less the excluded
	key    []fsql.Column
}

func resolveSpec(s fsql.CaptureSpec) (*captured, error) {
	c := &captured{schema: s.CaptureSchema, spec: s}
	t := s.Table
	for _, name := range []string{c.schema, t.Schema, t.Name} {
		if err := CheckName(name); err != nil {
			return nil, err
		}
	}
	for _, col := range t.Columns {
		if err := CheckName(col.Name); err != nil {
			return nil, fmt.Errorf("table %s: %w", t, err)
		}
		if !slices.Contains(s.Exclude, col.Name) {
			if err := checkType(col); err != nil {
				return nil, fmt.Errorf("table %s column %s: %w", t, col.Name, err)
			}
			c.cols = append(c.cols, col)
		}
	}
	if len(s.Key) == 0 {
		return nil, fmt.Errorf("table %s has no key", t)
	}
	for _, k := range s.Key {
		col, ok := t.Column(k)
		if !ok {
			return nil, fmt.Errorf("table %s has no key column %s", t, k)
		}
		if slices.Contains(s.Exclude, k) {
			return nil, fmt.Errorf("table %s: key column %s is excluded", t, k)
		}
		if !keyable(parseType(col.Type)) {
			return nil, fmt.Errorf("table %s: key column %s has type %s, which cannot be part of a key", t, k, col.Type)
		}
		c.key = append(c.key, col)
	}
	return c, nil
}

// Triggers installs capture of one table. Oracle commits each DDL statement
// on its own, so the statements are ordered to be safe to stop anywhere and
// to run again from the start:
//
//  1. the DML trigger's text is created as a disabled twin
//     (CAPTURE_n_CHECK) and checked to compile, then dropped: a capture
//     trigger that does not compile would make every insert, update and
//     delete on the table fail (ORA-04098), and go-ora reports a
//     compilation failure as success (ORA-24344 is a warning);
//  2. the same for the TRUNCATE trigger, which would break TRUNCATE of
//     every table in the schema;
//  3. the table is put in the registry (marked "installing"), so that the
//     relay knows its id before the first row arrives;
//  4. the live triggers are created or replaced, each replacement atomic,
//     and checked to be valid and enabled;
//  5. Register's statement records the final hash.
//
// A run stopped after 3 or 4 leaves the registry hash at "installing",
// which `ferry migrate status` reports as drift and `ferry migrate up`
// installs again.
func (capture) Triggers(s fsql.CaptureSpec) ([]string, error) {
	c, err := resolveSpec(s)
	if err != nil {
		return nil, err
	}
	id := s.ID
	var stmts []string
	if slices.ContainsFunc(c.cols, func(col fsql.Column) bool {
		b := parseType(col.Type).Base
		return b == "NVARCHAR2" || b == "NCHAR" || b == "NCLOB"
	}) {
		stmts = append(stmts, charsetCheck(c))
	}
	stmts = append(stmts,
		createTrigger(c.dmlTrigger(checkTrigger(id), true)),
		c.compileCheck(checkTrigger(id), true),
		createTrigger(c.truncateTrigger(checkTruncateName(id), true)),
		c.compileCheck(checkTruncateName(id), true),
	)
	reg, err := c.register("installing")
	if err != nil {
		return nil, err
	}
	stmts = append(stmts,
		reg,
		createTrigger(c.dmlTrigger(triggerName(id), false)),
		c.compileCheck(triggerName(id), false),
		createTrigger(c.truncateTrigger(truncateTrigger(id), false)),
		c.compileCheck(truncateTrigger(id), false),
	)
	return stmts, nil
}

// createTrigger runs a trigger's DDL through EXECUTE IMMEDIATE. Oracle
// creates a trigger whose body does not compile and reports ORA-24344
// ("success with compilation error"), which drivers report as success or
// as an error depending on the driver; in PL/SQL it is an exception that
// this block absorbs, so the compile check that always follows is what
// reports the errors, with the lines ALL_ERRORS gives. The text is a CLOB
// (pieces of at most 1000 characters), since a trigger for a wide table
// outgrows a 32767-byte literal. The golden files hold the text itself
// too, for the grammar check.
func createTrigger(ddl string) string {
	return `DECLARE
    ddl CLOB := ` + clobLiteral(ddl) + `;
BEGIN
    EXECUTE IMMEDIATE ddl;
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -24344 THEN
            RAISE;
        END IF;
END;`
}

// charsetCheck refuses national-character columns when the database
// character set is not Unicode: the images are CLOBs in the database
// character set, which would turn characters it lacks into '?'.
func charsetCheck(c *captured) string {
	return fmt.Sprintf(`DECLARE
    cs VARCHAR2(64);
BEGIN
    SELECT VALUE INTO cs FROM NLS_DATABASE_PARAMETERS WHERE PARAMETER = 'NLS_CHARACTERSET';
    IF cs NOT IN ('AL32UTF8', 'UTF8') THEN
        RAISE_APPLICATION_ERROR(-20102, %s || cs ||
            ', so an image would lose the characters it lacks; exclude those columns or migrate to AL32UTF8');
    END IF;
END;`, literal(fmt.Sprintf("ferry: %s.%s has NVARCHAR2, NCHAR or NCLOB columns and the database character set is ", c.spec.Table.Schema, c.spec.Table.Name)))
}

// compileCheck checks that a trigger compiled. For a disabled twin it then
// drops the twin (and drops it on failure too, reporting the errors); for
// a live trigger it also checks that it is enabled.
func (c *captured) compileCheck(name string, twin bool) string {
	s := literal(c.schema)
	n := literal(name)
	drop := ""
	if twin {
		drop = "\n        EXECUTE IMMEDIATE " + literal("DROP TRIGGER "+ident(c.schema, name)) + ";"
	}
	what := fmt.Sprintf("ferry: the capture trigger %s.%s on %s.%s", c.schema, name, c.spec.Table.Schema, c.spec.Table.Name)
	var b strings.Builder
	fmt.Fprintf(&b, `DECLARE
    status  VARCHAR2(7);
    enabled VARCHAR2(8);
    msg     VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = %[1]s AND o.OBJECT_NAME = %[2]s AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = %[1]s AND t.TRIGGER_NAME = %[2]s;
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = %[1]s AND NAME = %[2]s AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;%[3]s
        RAISE_APPLICATION_ERROR(-20103, %[4]s || msg);
    END IF;`, s, n, drop, literal(what+" does not compile, so capture was not changed:"))
	if twin {
		fmt.Fprintf(&b, "%s\n", strings.Replace(drop, "        ", "    ", 1))
	} else {
		fmt.Fprintf(&b, `
    IF enabled <> 'ENABLED' THEN
        RAISE_APPLICATION_ERROR(-20104, %s);
    END IF;
`, literal(what+" is disabled, so changes are not captured: enable it or run `ferry migrate up`"))
	}
	b.WriteString("END;")
	return b.String()
}

// ref is how the trigger reads a column of the old or new row.
func ref(row string) func(string) string {
	return func(name string) string { return row + "." + ident(name) }
}

// dmlTrigger is the compound trigger that captures inserts, updates and
// deletes of the table.
//
// AFTER EACH ROW takes the row's stamp, DBMS_FLASHBACK's current SCN read
// after the row was changed, and so after the transaction began: the
// relay's low-water mark (outbox.go) relies on every stamp being at least
// the writing transaction's START_SCN. It also renders the row's images
// then, while :OLD and :NEW (LOB locators included) are certainly valid,
// and buffers them; every flushRows rows, and at AFTER STATEMENT, one
// FORALL insert writes the buffer, taking each row's SEQ from the ORDER
// sequence at that moment, after the row's lock is held.
//
// The images are rendered by a one-row cursor FOR loop rather than SELECT
// ... INTO: go-ora v2.8.24 treats any statement whose text matches
// RETURNING ... INTO as one with a returning clause and changes how it
// executes it, and JSON_OBJECT's RETURNING CLOB followed by INTO would
// match (TestNoReturningInto).
//
// BEFORE STATEMENT only empties the buffers: Oracle may restart a
// statement (write consistency) and fire its triggers again after rolling
// the outbox rows back, and memory is not rolled back. It takes no stamp.
//
// An update that changes a row's key is held back until AFTER STATEMENT,
// which pairs the old and new rows of the whole statement by key value and
// writes one net change per key (design.md, trap 5): in UPDATE t SET
// id = id + 1, key 2 gets one update (the row that was 1 is now 2), key 1
// a delete, and the highest key a create. A row trigger alone cannot do
// this, because it sees one row at a time.
func (c *captured) dmlTrigger(name string, disabled bool) string {
	id := strconv.Itoa(c.spec.ID)
	outbox := ident(c.schema, "OUTBOX")
	seq := ident(c.schema, "OUTBOX_SEQ")
	state := ""
	if disabled {
		state = "\nDISABLE"
	}
	const ind = "            "
	newImage := imageObject(c.cols, triggerValues(ref(":NEW"), c.schema), ind)
	oldImage := imageObject(c.cols, triggerValues(ref(":OLD"), c.schema), ind)
	return fmt.Sprintf(`CREATE OR REPLACE TRIGGER %[1]s
FOR INSERT OR UPDATE OR DELETE ON %[2]s%[3]s
COMPOUND TRIGGER
    -- ferry: capture trigger of table %[6]s in the registry (%[4]s).
    TYPE change_t IS RECORD (scn NUMBER, op CHAR(1), before CLOB, after CLOB);
    TYPE changes_t IS TABLE OF change_t INDEX BY PLS_INTEGER;
    TYPE by_key_t IS TABLE OF PLS_INTEGER INDEX BY VARCHAR2(32767);
    pending    changes_t;
    moved      changes_t;
    moved_from by_key_t;
    moved_to   by_key_t;
    txid       VARCHAR2(64);

    PROCEDURE flush IS
    BEGIN
        FORALL i IN 1 .. pending.COUNT
            INSERT INTO %[5]s ("SCN", "SEQ", "TXID", "TABLE_ID", "OP", "BEFORE", "AFTER")
            VALUES (pending(i).scn, %[7]s.NEXTVAL, txid, %[6]s, pending(i).op, pending(i).before, pending(i).after);
        pending.DELETE;
    END flush;

    PROCEDURE keep(c change_t) IS
    BEGIN
        pending(pending.COUNT + 1) := c;
        IF pending.COUNT >= %[8]d THEN
            flush;
        END IF;
    END keep;

    -- A statement that Oracle restarts (write consistency) fires its
    -- triggers again after rolling back to where it began, which undoes
    -- the outbox rows but not this memory: start empty each time.
    -- No stamp is taken here (see AFTER EACH ROW).
    BEFORE STATEMENT IS
    BEGIN
        pending.DELETE;
        moved.DELETE;
        moved_from.DELETE;
        moved_to.DELETE;
        txid := NULL;
    END BEFORE STATEMENT;

    AFTER EACH ROW IS
        c       change_t;
        old_key VARCHAR2(32767);
        new_key VARCHAR2(32767);
    BEGIN
        c.scn := DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER;
        IF txid IS NULL THEN
            txid := DBMS_TRANSACTION.LOCAL_TRANSACTION_ID;
        END IF;
        IF INSERTING THEN
            c.op := 'c';
            FOR r IN (SELECT %[9]s AS img FROM DUAL) LOOP
                c.after := r.img;
            END LOOP;
            keep(c);
        ELSIF DELETING THEN
            c.op := 'd';
            FOR r IN (SELECT %[10]s AS img FROM DUAL) LOOP
                c.before := r.img;
            END LOOP;
            keep(c);
        ELSE
            c.op := 'u';
            FOR r IN (SELECT %[10]s AS old_img,
            %[9]s AS new_img FROM DUAL) LOOP
                c.before := r.old_img;
                c.after := r.new_img;
            END LOOP;
            old_key := %[11]s;
            new_key := %[12]s;
            IF old_key = new_key THEN
                keep(c);
            ELSE
                moved(moved.COUNT + 1) := c;
                moved_from(old_key) := moved.COUNT;
                moved_to(new_key) := moved.COUNT;
            END IF;
        END IF;
    END AFTER EACH ROW;

    AFTER STATEMENT IS
        k VARCHAR2(32767);
        c change_t;
    BEGIN
        k := moved_from.FIRST;
        WHILE k IS NOT NULL LOOP
            c := moved(moved_from(k));
            IF moved_to.EXISTS(k) THEN
                c.after := moved(moved_to(k)).after;
                c.scn := GREATEST(c.scn, moved(moved_to(k)).scn);
            ELSE
                c.op := 'd';
                c.after := NULL;
            END IF;
            keep(c);
            k := moved_from.NEXT(k);
        END LOOP;
        k := moved_to.FIRST;
        WHILE k IS NOT NULL LOOP
            IF NOT moved_from.EXISTS(k) THEN
                c := moved(moved_to(k));
                c.op := 'c';
                c.before := NULL;
                keep(c);
            END IF;
            k := moved_to.NEXT(k);
        END LOOP;
        flush;
    END AFTER STATEMENT;
END;`,
		ident(c.schema, name), ident(c.spec.Table.Schema, c.spec.Table.Name), state,
		"CAPTURED", outbox, id, seq, flushRows,
		newImage, oldImage,
		keyText(c.key, ref(":OLD")), keyText(c.key, ref(":NEW")))
}

// truncateTrigger captures TRUNCATE of the table, which fires no DML
// trigger: a DDL trigger on the table's schema writes one 't' row. A DDL
// trigger's statement has no transaction of its own yet, so the row is
// inserted first and stamped after: the stamp is then read inside the
// transaction the insert began, and is at least its START_SCN, as the
// relay's low-water mark requires.
func (c *captured) truncateTrigger(name string, disabled bool) string {
	t := c.spec.Table
	state := ""
	if disabled {
		state = "\nDISABLE"
	}
	return fmt.Sprintf(`CREATE OR REPLACE TRIGGER %[1]s
AFTER TRUNCATE ON %[2]s.SCHEMA%[3]s
DECLARE
    seq NUMBER;
BEGIN
    IF ORA_DICT_OBJ_TYPE = 'TABLE' AND ORA_DICT_OBJ_OWNER = %[4]s AND ORA_DICT_OBJ_NAME = %[5]s THEN
        seq := %[7]s.NEXTVAL;
        INSERT INTO %[6]s ("SCN", "SEQ", "TXID", "TABLE_ID", "OP")
        VALUES (0, seq, '-', %[8]d, 't');
        UPDATE %[6]s
        SET "SCN" = DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER, "TXID" = DBMS_TRANSACTION.LOCAL_TRANSACTION_ID
        WHERE "SCN" = 0 AND "SEQ" = seq;
    END IF;
END;`,
		ident(c.schema, name), ident(t.Schema), state, literal(t.Schema), literal(t.Name),
		ident(c.schema, "OUTBOX"), ident(c.schema, "OUTBOX_SEQ"), c.spec.ID)
}

// register is the MERGE that records the table in the registry.
func (c *captured) register(hash string) (string, error) {
	cols, err := fsql.ColumnsJSON(c.spec.Table.Columns)
	if err != nil {
		return "", err
	}
	key, _ := json.Marshal(c.spec.Key)
	exclude, _ := json.Marshal(append([]string{}, c.spec.Exclude...))
	return fmt.Sprintf(`BEGIN
MERGE INTO %s r
USING (SELECT %d AS "ID" FROM DUAL) s
ON (r."ID" = s."ID")
WHEN MATCHED THEN UPDATE SET
    r."SCHEMA_NAME" = %s, r."TABLE_NAME" = %s,
    r."KEY_COLUMNS" = %s, r."EXCLUDED" = %s,
    r."COLUMNS" = %s,
    r."DDL_HASH" = %s, r."UPDATED_AT" = SYSTIMESTAMP
WHEN NOT MATCHED THEN INSERT ("ID", "SCHEMA_NAME", "TABLE_NAME", "KEY_COLUMNS", "EXCLUDED", "COLUMNS", "DDL_HASH")
VALUES (s."ID", %s, %s, %s, %s,
    %s,
    %s);
END;`,
		ident(c.schema, "CAPTURED"), c.spec.ID,
		literal(c.spec.Table.Schema), literal(c.spec.Table.Name), clobLiteral(string(key)), clobLiteral(string(exclude)),
		clobLiteral(cols), literal(hash),
		literal(c.spec.Table.Schema), literal(c.spec.Table.Name), clobLiteral(string(key)), clobLiteral(string(exclude)),
		clobLiteral(cols), literal(hash)), nil
}

// Register records a captured table; hash identifies the DDL installed.
func (capture) Register(s fsql.CaptureSpec, hash string) (string, error) {
	c, err := resolveSpec(s)
	if err != nil {
		return "", err
	}
	return c.register(hash)
}

// dropTrigger drops a trigger if it exists (ORA-04080: it does not).
func dropTrigger(schema, name string) string {
	return fmt.Sprintf(`BEGIN
    EXECUTE IMMEDIATE %s;
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;`, literal("DROP TRIGGER "+ident(schema, name)))
}

// DropTriggers removes capture of one table: its triggers (and any twin a
// cut-short migration left), then its registry row. Each drop succeeds
// when the trigger is already gone, as it is once the table is dropped.
func (capture) DropTriggers(captureSchema string, r fsql.Registered) ([]string, error) {
	schema := captureSchema
	if err := CheckName(schema); err != nil {
		return nil, err
	}
	var stmts []string
	for _, name := range []string{triggerName(r.ID), truncateTrigger(r.ID), checkTrigger(r.ID), checkTruncateName(r.ID)} {
		stmts = append(stmts, dropTrigger(schema, name))
	}
	stmts = append(stmts, fmt.Sprintf("BEGIN\n    DELETE FROM %s WHERE \"ID\" = %d;\nEND;", ident(schema, "CAPTURED"), r.ID))
	return stmts, nil
}

const registryExists = `SELECT COUNT(*) FROM ALL_TABLES WHERE OWNER = :1 AND TABLE_NAME = 'CAPTURED'`

// Registry reads the capture registry; no registry yet is no rows.
func (capture) Registry(ctx context.Context, db fsql.Querier, captureSchema string) ([]fsql.Registered, error) {
	schema := captureSchema
	var n int
	if err := db.QueryRowContext(ctx, registryExists, schema).Scan(&n); err != nil {
		return nil, fmt.Errorf("look for the capture registry in schema %s: %w", schema, err)
	}
	if n == 0 {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, registryQuery(schema))
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

func registryQuery(schema string) string {
	return `SELECT "ID", "SCHEMA_NAME", "TABLE_NAME", "KEY_COLUMNS", "EXCLUDED", "COLUMNS", "DDL_HASH" FROM ` +
		ident(schema, "CAPTURED") + ` ORDER BY "ID"`
}

// inspectQuery finds the table a capture's DML trigger is on now (a
// renamed table keeps its triggers) and whether each of its two triggers
// is valid and enabled.
const inspectQuery = `SELECT t.TABLE_OWNER, t.TABLE_NAME,
  (SELECT COUNT(*) FROM ALL_TRIGGERS x
   JOIN ALL_OBJECTS o ON o.OWNER = x.OWNER AND o.OBJECT_NAME = x.TRIGGER_NAME AND o.OBJECT_TYPE = 'TRIGGER'
   WHERE x.OWNER = t.OWNER AND x.TRIGGER_NAME IN (t.TRIGGER_NAME, :2) AND x.STATUS = 'ENABLED' AND o.STATUS = 'VALID'),
  (SELECT COUNT(*) FROM ALL_TRIGGERS x WHERE x.OWNER = t.OWNER AND x.TRIGGER_NAME = :3)
FROM ALL_TRIGGERS t
WHERE t.OWNER = :1 AND t.TRIGGER_NAME = :4 AND t.BASE_OBJECT_TYPE = 'TABLE'`

// Inspect finds where a registered table's capture is and whether it is in
// force: both triggers present, valid (compiled) and enabled.
func (capture) Inspect(ctx context.Context, db fsql.Querier, captureSchema string, r fsql.Registered) (fsql.Installed, error) {
	var in fsql.Installed
	var owner, table string
	var live, truncate int
	err := db.QueryRowContext(ctx, inspectQuery, captureSchema, truncateTrigger(r.ID), truncateTrigger(r.ID), triggerName(r.ID)).
		Scan(&owner, &table, &live, &truncate)
	if errors.Is(err, stdsql.ErrNoRows) {
		return in, nil // no table carries it
	}
	if err != nil {
		return in, fmt.Errorf("inspect the capture of %s: %w", r, err)
	}
	in.Table = owner + "." + table
	if truncate == 0 {
		in.Problems = append(in.Problems, "its TRUNCATE trigger is missing")
	}
	if live < 2 {
		in.Problems = append(in.Problems, "a capture trigger is disabled or does not compile (ALTER TRIGGER ... ENABLE, or `ferry migrate up`)")
	}
	return in, nil
}

// Check refuses what the triggers cannot capture exactly, and names what
// they do not follow.
func (capture) Check(t *fsql.Table, key, exclude []string) (problems []error, gaps []string) {
	for _, k := range key {
		c, ok := t.Column(k)
		if !ok {
			continue
		}
		if ot := parseType(c.Type); !keyable(ot) {
			problems = append(problems, fmt.Errorf("key column %s is of type %s, which cannot be part of a key; configure another key", k, c.Type))
		}
	}
	for _, x := range exclude {
		if slices.Contains(key, x) {
			problems = append(problems, fmt.Errorf("key column %s cannot be excluded", x))
		}
	}
	return problems, slices.Clone(Gaps)
}

// Gaps are the ways a captured table's rows can change that the triggers
// do not follow.
var Gaps = []string{
	"direct-path loads (SQL*Loader direct=true, INSERT /*+ APPEND */ over a database link is conventional) fire no row trigger",
	"DBMS_REDEFINITION, partition exchange (ALTER TABLE ... EXCHANGE PARTITION) and DROP/TRUNCATE PARTITION fire no DML trigger",
	"a FLASHBACK TABLE ... TO SCN/TIMESTAMP fires no DML trigger unless ENABLE TRIGGERS is given",
}
