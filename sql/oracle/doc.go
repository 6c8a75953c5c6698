// Package oracle is Ferry's Oracle dialect (19c or newer; 23ai for
// BOOLEAN), through github.com/sijms/go-ora/v2 pinned at v2.8.24: catalog
// reads, the capture schema and its triggers, the relay's gap-free outbox
// cursor, the lease, the target's batched MERGE and delete with the
// applier's bookkeeping, and the value forms in both directions.
//
// # Capture
//
// One compound trigger per table (capture.go) stamps each changed row in
// AFTER EACH ROW with the current SCN, read after the change, renders its
// before and after images as JSON_OBJECT CLOBs in forms no session setting
// changes (image.go), and writes them with a FORALL insert every 1000 rows
// and at AFTER STATEMENT, taking SEQ from an ORDER sequence then. Updates
// that move keys are held to AFTER STATEMENT and paired by key value into
// one net change per key, which a row trigger cannot do (design.md, trap
// 5): that, and the batched insert, is why it is a compound trigger and
// not a row trigger. A DDL trigger on the table's schema captures
// TRUNCATE as one 't' row. Values (values.go) turns images into the
// envelope's neutral forms.
//
// # Cursor
//
// The relay reads the rows whose stamp is below a low-water mark,
// LEAST(NVL(MIN(START_SCN) FROM [G]V$TRANSACTION, current SCN), current
// SCN) with the current SCN read first, in (stamp, seq) order. The doc
// comment at the top of outbox.go argues why no row below the mark can
// commit later and why per-key order holds, with its sources. Without
// SELECT on V_$TRANSACTION the relay refuses to start and names the
// grant; it never waits out a gap on a timer.
//
// # Migrations
//
// Oracle commits every DDL statement on its own (Dialect.TransactionalDDL
// is false), and goose has no Oracle dialect: GooseStore is goose's version
// table in the capture schema, and the capture schema is a goose Go
// migration (CaptureMigrations) of steps that each check whether they are
// done. A trigger is first created as a disabled twin and checked to
// compile, so that a trigger that would break every write to the table is
// never installed; the table enters the registry before its triggers
// fire. Whatever stopped a migration, `ferry migrate up` run again
// finishes it: every statement is idempotent.
//
// # Target
//
// Writer upserts with MERGE and deletes by key, either with array binding
// (every placeholder bound to the batch's values, one round trip) or with
// JSON_TABLE over one bound CLOB (one set-based execution). Values are
// bound as text with explicit conversions (TO_NUMBER, TO_TIMESTAMP_TZ,
// UTL_RAW.CAST_TO_BINARY_DOUBLE, ...) under session NLS settings that Open
// pins, never through the driver's NUMBER or time encoders, whose defects
// TestDriverNumberEncoding and the go-ora issues in bind.go record. A
// value a column cannot hold exactly is a ValueError naming table, column
// and key. Errors are classified by ORA- number (errors.go).
//
// # What ran where
//
// No Oracle server runs where Ferry is developed (vendors.md, section 2).
// Everything here is unit-tested and every generated statement is parsed
// by the PL/SQL grammar in sql/grammar; nothing has run against a real
// Oracle server yet. The integration tests (oracle_test.go) run when
// FERRY_TEST_ORACLE_DSN names a DBA user on an Oracle PDB; written for
// Oracle Free 23ai, they have not been run. README.md lists what is
// DERIVED and needs that run.
package oracle
