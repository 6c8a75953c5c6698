package oracle

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// The capture schema is an Oracle user (a schema is a user in Oracle).
// Ferry does not create users: CREATE USER is a DBA's decision, and with it
// come a tablespace quota and a password policy. A DBA creates it once (the
// README has the statements); PrepareSchema checks that it is there and
// that the migrating session has the privileges the steps need, before any
// DDL runs.

// schemaFiles are the capture schema's goose migrations, templates over
// {{.Schema}}, the quoted capture schema. Goose keeps a statement's
// trailing semicolon, which Oracle refuses after plain SQL (ORA-00933) and
// needs after a PL/SQL block, so every statement is a block; each succeeds
// when its object exists already, since Oracle's DDL commits on its own
// and a migration cut short is finished by running it again.
//
//go:embed schema/*.sql
var schemaFiles embed.FS

// SchemaFiles is the capture schema's migrations.
func (capture) SchemaFiles() fs.FS {
	sub, _ := fs.Sub(schemaFiles, "schema") // the directory is embedded
	return sub
}

// Store is goose's version table on Oracle (store.go): goose has none.
func (capture) Store(captureSchema, table string) (database.Store, error) {
	return newStore(captureSchema, table)
}

// MigrationLocker serialises `ferry migrate` runs with a DBMS_LOCK lock
// held by the migrating session.
func (capture) MigrationLocker() (lock.SessionLocker, error) {
	return &sessionLocker{name: "ferry.migrate"}, nil
}

// PrepareSchema checks, before any DDL, that the capture schema (an Oracle
// user, which a DBA creates) exists and that the session may create what
// the migrations create; it raises an error listing every problem.
func (capture) PrepareSchema(captureSchema string) string { return prepareBlock(captureSchema) }

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

// DropTableIfExists drops a table and succeeds when it does not exist
// (ORA-00942): 19c has no DROP TABLE IF EXISTS (23ai added it).
func (Dialect) DropTableIfExists(quotedTable string) string {
	return `BEGIN
    EXECUTE IMMEDIATE ` + literal("DROP TABLE "+quotedTable+" PURGE") + `;
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -942 THEN
            RAISE;
        END IF;
END;`
}
