package oracle

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"
)

// The capture schema is an Oracle user (a schema is a user in Oracle).
// Ferry does not create users: CREATE USER is a DBA's decision, and with it
// come a tablespace quota and a password policy. A DBA creates it once (the
// README has the statements); PrepareSchema checks that it is there and
// that the migrating session has the privileges the steps need, before any
// DDL runs.

// Step is one idempotent DDL step of the capture schema. Oracle commits
// every DDL statement on its own, so a migration cut short leaves the
// steps before it done and the rest not started; each step is therefore
// guarded by a check of whether it is already done, and `ferry migrate up`
// run again completes the schema.
type Step struct {
	Name string
	// Done is a query returning one number, non-zero when the step is done;
	// it takes the capture schema and the object's name as :1 and :2.
	Done string
	// Object is the name Done checks.
	Object string
	// SQL is the statement to run when the step is not done.
	SQL string
	// Check, when set, is a PL/SQL block run after SQL that raises an
	// error when SQL left something invalid (a function that did not
	// compile).
	Check string
}

const (
	doneSequence = `SELECT COUNT(*) FROM ALL_SEQUENCES WHERE SEQUENCE_OWNER = :1 AND SEQUENCE_NAME = :2`
	doneTable    = `SELECT COUNT(*) FROM ALL_TABLES WHERE OWNER = :1 AND TABLE_NAME = :2`
	// A function is replaced every time: CREATE OR REPLACE is idempotent.
	doneNever = `SELECT 0 FROM DUAL WHERE :1 IS NOT NULL OR :2 IS NOT NULL`
)

// captureSteps is the capture schema, version 1.
func captureSteps(schema string) []Step {
	q := func(name string) string { return ident(schema, name) }
	return []Step{
		{
			Name: "outbox sequence", Done: doneSequence, Object: "OUTBOX_SEQ",
			// ORDER: on RAC each instance caches its own block of a NOORDER
			// sequence, so a later change of a key on another instance could
			// take a smaller number; ORDER hands numbers out in time order
			// across instances. On a single instance the shared cache is in
			// order anyway and ORDER costs nothing.
			SQL: "CREATE SEQUENCE " + q("OUTBOX_SEQ") + " START WITH 1 INCREMENT BY 1 CACHE 1000 ORDER NOCYCLE",
		},
		{
			Name: "outbox table", Done: doneTable, Object: "OUTBOX",
			// One row per change. SCN is the stamp the trigger takes after the
			// row's change; SEQ orders changes with the same stamp. The
			// primary key is the relay's read order, so one index serves both
			// the insert and the read, and the purge deletes by its prefix.
			SQL: "CREATE TABLE " + q("OUTBOX") + ` (
    "SCN"      NUMBER NOT NULL,
    "SEQ"      NUMBER(19) NOT NULL,
    "TXID"     VARCHAR2(64) NOT NULL,
    "TABLE_ID" NUMBER(10) NOT NULL,
    "OP"       CHAR(1) NOT NULL,
    "TS"       TIMESTAMP(6) WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL,
    "BEFORE"   CLOB,
    "AFTER"    CLOB,
    CONSTRAINT "OUTBOX_PK" PRIMARY KEY ("SCN", "SEQ")
)`,
		},
		{
			Name: "capture registry", Done: doneTable, Object: "CAPTURED",
			SQL: "CREATE TABLE " + q("CAPTURED") + ` (
    "ID"          NUMBER(10) NOT NULL,
    "SCHEMA_NAME" VARCHAR2(128 BYTE) NOT NULL,
    "TABLE_NAME"  VARCHAR2(128 BYTE) NOT NULL,
    "KEY_COLUMNS" CLOB NOT NULL,
    "EXCLUDED"    CLOB NOT NULL,
    "COLUMNS"     CLOB NOT NULL,
    "DDL_HASH"    VARCHAR2(64) NOT NULL,
    "UPDATED_AT"  TIMESTAMP(6) WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL,
    CONSTRAINT "CAPTURED_PK" PRIMARY KEY ("ID"),
    CONSTRAINT "CAPTURED_NAME" UNIQUE ("SCHEMA_NAME", "TABLE_NAME")
)`,
		},
		{
			Name: "relay offsets", Done: doneTable, Object: "RELAY_OFFSET",
			SQL: "CREATE TABLE " + q("RELAY_OFFSET") + ` (
    "SOURCE"       VARCHAR2(1000) NOT NULL,
    "POSITION"     CLOB NOT NULL,
    "SAFE_SCN"     NUMBER NOT NULL,
    "COMMITTED_AT" TIMESTAMP(6) WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL,
    CONSTRAINT "RELAY_OFFSET_PK" PRIMARY KEY ("SOURCE")
)`,
		},
		{
			Name: "base64 function", Done: doneNever, Object: "BASE64",
			// UTL_ENCODE works on RAW of at most 32767 bytes and breaks its
			// output into lines; this encodes a BLOB of any size in chunks of
			// 23808 bytes (a multiple of 3, so no chunk but the last is
			// padded, and whose encoding with line breaks fits 32767 bytes)
			// and drops the line breaks.
			SQL: "CREATE OR REPLACE FUNCTION " + q("BASE64") + ` (b IN BLOB) RETURN CLOB
IS
    result CLOB;
    chunk  VARCHAR2(32767);
    pos    INTEGER := 1;
    len    INTEGER;
BEGIN
    IF b IS NULL THEN
        RETURN NULL;
    END IF;
    len := DBMS_LOB.GETLENGTH(b);
    DBMS_LOB.CREATETEMPORARY(result, TRUE, DBMS_LOB.CALL);
    WHILE pos <= len LOOP
        chunk := UTL_RAW.CAST_TO_VARCHAR2(UTL_ENCODE.BASE64_ENCODE(DBMS_LOB.SUBSTR(b, 23808, pos)));
        chunk := REPLACE(REPLACE(chunk, CHR(13)), CHR(10));
        DBMS_LOB.WRITEAPPEND(result, LENGTH(chunk), chunk);
        pos := pos + 23808;
    END LOOP;
    RETURN result;
END;`,
			Check: validCheck(schema, "BASE64", "FUNCTION", "the capture schema's BASE64 function"),
		},
	}
}

// validCheck is a PL/SQL block that raises when an object did not compile,
// quoting its first compile errors.
func validCheck(schema, name, typ, what string) string {
	return fmt.Sprintf(`DECLARE
    status VARCHAR2(7);
    msg    VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = %[1]s AND o.OBJECT_NAME = %[2]s AND o.OBJECT_TYPE = %[3]s;
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = %[1]s AND NAME = %[2]s AND TYPE = %[3]s ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        RAISE_APPLICATION_ERROR(-20101, %[4]s || msg);
    END IF;
END;`, literal(schema), literal(name), literal(typ), literal("ferry: "+what+" "+schema+"."+name+" does not compile:"))
}

// dropSteps undo captureSteps, newest first; each is skipped when its
// object is gone.
func dropSteps(schema string) []Step {
	q := func(name string) string { return ident(schema, name) }
	const doneGoneFunction = `SELECT 1 - COUNT(*) FROM ALL_OBJECTS WHERE OWNER = :1 AND OBJECT_NAME = :2 AND OBJECT_TYPE = 'FUNCTION'`
	const doneGoneTable = `SELECT 1 - COUNT(*) FROM ALL_TABLES WHERE OWNER = :1 AND TABLE_NAME = :2`
	const doneGoneSequence = `SELECT 1 - COUNT(*) FROM ALL_SEQUENCES WHERE SEQUENCE_OWNER = :1 AND SEQUENCE_NAME = :2`
	return []Step{
		{Name: "base64 function", Done: doneGoneFunction, Object: "BASE64", SQL: "DROP FUNCTION " + q("BASE64")},
		{Name: "relay offsets", Done: doneGoneTable, Object: "RELAY_OFFSET", SQL: "DROP TABLE " + q("RELAY_OFFSET") + " PURGE"},
		{Name: "capture registry", Done: doneGoneTable, Object: "CAPTURED", SQL: "DROP TABLE " + q("CAPTURED") + " PURGE"},
		{Name: "outbox table", Done: doneGoneTable, Object: "OUTBOX", SQL: "DROP TABLE " + q("OUTBOX") + " PURGE"},
		{Name: "outbox sequence", Done: doneGoneSequence, Object: "OUTBOX_SEQ", SQL: "DROP SEQUENCE " + q("OUTBOX_SEQ")},
	}
}

// execer is what running steps needs: *sql.DB, *sql.Conn or *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *stdsql.Row
}

// runSteps runs the steps that are not done yet, in order.
func runSteps(ctx context.Context, db execer, schema string, steps []Step) error {
	for _, s := range steps {
		var done int
		if err := db.QueryRowContext(ctx, s.Done, schema, s.Object).Scan(&done); err != nil && err != stdsql.ErrNoRows {
			return fmt.Errorf("check capture schema step %q in %s: %w", s.Name, schema, err)
		}
		if done > 0 {
			continue
		}
		if _, err := db.ExecContext(ctx, s.SQL); err != nil {
			return fmt.Errorf("capture schema step %q in %s (run `ferry migrate up` again after fixing the cause: "+
				"the steps before this one are done and are skipped): %w", s.Name, schema, err)
		}
		if s.Check != "" {
			if _, err := db.ExecContext(ctx, s.Check); err != nil {
				return fmt.Errorf("capture schema step %q in %s: %w", s.Name, schema, err)
			}
		}
	}
	return nil
}

// CaptureMigrations are the capture schema's goose migrations, as Go
// migrations: goose keeps an SQL file's statements with their trailing
// semicolon, which Oracle refuses after a plain SQL statement (ORA-00933),
// and runs a file in a transaction that Oracle's DDL would commit anyway.
// They run without a transaction and are idempotent.
func CaptureMigrations(captureSchema string) []*goose.Migration {
	schema := Fold(captureSchema)
	return []*goose.Migration{
		goose.NewGoMigration(1,
			&goose.GoFunc{RunDB: func(ctx context.Context, db *stdsql.DB) error {
				return runSteps(ctx, db, schema, captureSteps(schema))
			}},
			&goose.GoFunc{RunDB: func(ctx context.Context, db *stdsql.DB) error {
				return runSteps(ctx, db, schema, dropSteps(schema))
			}},
		),
	}
}

// StatementsMigration is a goose migration that runs stmts in order on a
// connection, without a transaction: the form a trigger migration takes on
// Oracle (see CaptureMigrations). Triggers' statements are idempotent, so
// a run cut short is finished by running the same migration again.
func StatementsMigration(version int64, stmts []string) *goose.Migration {
	return goose.NewGoMigration(version,
		&goose.GoFunc{RunDB: func(ctx context.Context, db *stdsql.DB) error {
			for i, s := range stmts {
				if _, err := db.ExecContext(ctx, s); err != nil {
					return fmt.Errorf("statement %d of %d (the ones before it are done; `ferry migrate up` again "+
						"re-runs the whole migration, whose statements are idempotent): %w", i+1, len(stmts), err)
				}
			}
			return nil
		}},
		nil)
}

// CaptureScript is the capture schema's DDL as a SQL*Plus script, for
// `ferry migrate generate`: each statement ends with a "/" line. A DBA who
// runs it by hand skips the statements whose objects exist.
func CaptureScript(captureSchema string) string {
	schema := Fold(captureSchema)
	var b strings.Builder
	fmt.Fprintf(&b, "-- Ferry's capture schema %s for Oracle, version 1.\n", schema)
	for _, s := range captureSteps(schema) {
		fmt.Fprintf(&b, "-- %s (skip if done: %s with :1 = '%s', :2 = '%s')\n%s\n/\n", s.Name,
			strings.ReplaceAll(s.Done, "\n", " "), schema, s.Object, s.SQL)
		if s.Check != "" {
			fmt.Fprintf(&b, "%s\n/\n", s.Check)
		}
	}
	return b.String()
}

// prepareBlock is PrepareSchema's check, run before any DDL of a migration.
func prepareBlock(schema string) string {
	s := literal(schema)
	return fmt.Sprintf(`DECLARE
    problems VARCHAR2(2000);
    n        NUMBER;
    own      BOOLEAN := SYS_CONTEXT('USERENV', 'SESSION_USER') = %[1]s;
    PROCEDURE need(priv VARCHAR2, any_priv VARCHAR2) IS
    BEGIN
        SELECT COUNT(*) INTO n FROM SESSION_PRIVS WHERE PRIVILEGE IN (priv, any_priv);
        IF n = 0 THEN
            problems := problems || ' the session needs ' || CASE WHEN own THEN priv ELSE any_priv END || ';';
        END IF;
    END need;
BEGIN
    SELECT COUNT(*) INTO n FROM ALL_USERS WHERE USERNAME = %[1]s;
    IF n = 0 THEN
        RAISE_APPLICATION_ERROR(-20001, %[2]s);
    END IF;
    need('CREATE TABLE', 'CREATE ANY TABLE');
    need('CREATE SEQUENCE', 'CREATE ANY SEQUENCE');
    need('CREATE PROCEDURE', 'CREATE ANY PROCEDURE');
    need('CREATE TRIGGER', 'CREATE ANY TRIGGER');
    IF own THEN
        SELECT COUNT(*) INTO n FROM ALL_TAB_PRIVS
        WHERE TABLE_SCHEMA = 'SYS' AND TABLE_NAME = 'DBMS_FLASHBACK' AND PRIVILEGE = 'EXECUTE' AND GRANTEE IN (%[1]s, 'PUBLIC');
        IF n = 0 THEN
            problems := problems || %[3]s;
        END IF;
    END IF;
    IF problems IS NOT NULL THEN
        RAISE_APPLICATION_ERROR(-20002, %[4]s || problems);
    END IF;
END;`, s,
		literal(fmt.Sprintf("ferry: the capture schema %s does not exist; a DBA creates it: CREATE USER %s NO AUTHENTICATION "+
			"(or IDENTIFIED BY ...) QUOTA UNLIMITED ON USERS (see sql/oracle/README.md)", schema, ident(schema))),
		literal(fmt.Sprintf(" the triggers' owner %s needs GRANT EXECUTE ON SYS.DBMS_FLASHBACK TO %s, granted directly (a role does not count inside a trigger);", schema, ident(schema))),
		literal("ferry: cannot install capture in "+schema+":"))
}
