package oracle

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pressly/goose/v3"
	go_ora "github.com/sijms/go-ora/v2"

	"github.com/ferry-cdc/ferry/applier/bookkeeping"
	fsql "github.com/ferry-cdc/ferry/sql"
)

const simpleDDL = `("ID" NUMBER(10) PRIMARY KEY, "V" VARCHAR2(20))`

// TestOracleOutOfOrderCommit: transaction A writes first and commits
// last; the relay must neither pass A's rows while it is open nor skip
// them when it commits, and a transaction whose first DML fires the
// trigger is covered from its first row.
func TestOracleOutOfOrderCommit(t *testing.T) {
	f := newCaptureFixture(t)
	f.table(t, 1, "T", simpleDDL)
	f.drain(t, 100)
	ctx := context.Background()
	a, err := f.appDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Rollback()
	b, err := f.appDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Rollback()
	mustExec(t, a, `INSERT INTO `+ident(f.app, "T")+` VALUES (1, 'a')`) // A's first DML fires the trigger
	mustExec(t, b, `INSERT INTO `+ident(f.app, "T")+` VALUES (2, 'b')`)
	if got := f.drain(t, 100); len(got) != 0 {
		t.Fatalf("uncommitted rows read: %s", summary(got, "ID"))
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := summary(f.drain(t, 100), "ID"); got != "c:2" {
		t.Fatalf("after B commits: %s, want c:2", got)
	}
	// A holds the low-water mark back, and the relay's report names it.
	var xid string
	if err := a.QueryRowContext(ctx, `SELECT DBMS_TRANSACTION.LOCAL_TRANSACTION_ID FROM DUAL`).Scan(&xid); err != nil {
		t.Fatal(err)
	}
	if held, ok, err := f.outbox.OldestTransaction(ctx); err != nil || !ok || !strings.Contains(held.Session+",", "transaction "+xid+",") {
		t.Errorf("oldest transaction %+v, %v, %v; want A's, transaction %s", held, ok, err, xid)
	}
	mustExec(t, a, `INSERT INTO `+ident(f.app, "T")+` VALUES (3, 'a')`)
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := summary(f.drain(t, 1), "ID"); got != "c:1 c:3" {
		t.Fatalf("after A commits (read one row at a time): %s, want c:1 c:3", got)
	}
	if got := f.drain(t, 100); len(got) != 0 {
		t.Fatalf("read again: %s", summary(got, "ID"))
	}
}

// TestOracleTransactionStartedBeforeRead: a transaction that began (or
// only declared itself) before the relay read V$TRANSACTION, and writes to
// a captured table after, is read once it commits.
func TestOracleTransactionStartedBeforeRead(t *testing.T) {
	f := newCaptureFixture(t)
	f.table(t, 1, "T", simpleDDL)
	mustExec(t, f.appDB, `CREATE TABLE `+ident(f.app, "OTHER")+` ("X" NUMBER)`)
	mustExec(t, f.appDB, `INSERT INTO `+ident(f.app, "OTHER")+` VALUES (1)`)
	ctx := context.Background()
	for i, begin := range []string{
		`UPDATE ` + ident(f.app, "OTHER") + ` SET "X" = "X" + 1`, // a transaction with a START_SCN
		`SET TRANSACTION READ WRITE`,                             // a transaction with no change yet
		`SELECT "X" FROM ` + ident(f.app, "OTHER") + ` FOR UPDATE`,
	} {
		f.drain(t, 100)
		tx, err := f.appDB.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(begin, "SELECT") {
			rows, err := tx.QueryContext(ctx, begin)
			if err != nil {
				t.Fatal(err)
			}
			rows.Close()
		} else {
			mustExec(t, tx, begin)
		}
		if got := f.drain(t, 100); len(got) != 0 { // the relay reads V$TRANSACTION now
			t.Fatalf("%s: read %s", begin, summary(got, "ID"))
		}
		id := 10 + i
		mustExec(t, tx, fmt.Sprintf(`INSERT INTO %s VALUES (%d, 'late')`, ident(f.app, "T"), id))
		if got := f.drain(t, 100); len(got) != 0 {
			t.Fatalf("%s: uncommitted row read: %s", begin, summary(got, "ID"))
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got, want := summary(f.drain(t, 100), "ID"), fmt.Sprintf("c:%d", id); got != want {
			t.Fatalf("%s: read %s, want %s", begin, got, want)
		}
	}
}

// TestOracleMissingGrants: each grant the relay needs, missing in turn,
// is an error naming it; never a silent wait or skip.
func TestOracleMissingGrants(t *testing.T) {
	f := newCaptureFixture(t)
	f.table(t, 1, "T", simpleDDL)
	ctx := context.Background()
	all := map[string]string{
		"V_$TRANSACTION": "SELECT ON SYS.V_$TRANSACTION",
		"DBMS_FLASHBACK": "EXECUTE ON SYS.DBMS_FLASHBACK",
		"OUTBOX":         "SELECT ON " + ident(f.cap, "OUTBOX"),
		"DBMS_LOCK":      "EXECUTE ON SYS.DBMS_LOCK",
	}
	users := 0
	for missing := range all {
		var grants []string
		for name, g := range all {
			if name != missing {
				grants = append(grants, g)
			}
		}
		users++
		_, db := f.env.user(fmt.Sprintf("R%d", users), grants...)
		var err error
		if missing == "DBMS_LOCK" {
			_, err = source{}.Leader(db, f.cap, "hq").TryAcquire(ctx)
		} else {
			_, err = source{}.Outbox(db, f.cap).Read(ctx, nil, fsql.Limit{Rows: 10})
		}
		if !errors.Is(err, ErrMissingGrant) || !strings.Contains(err.Error(), missing) {
			t.Errorf("without %s: got %v, want ErrMissingGrant naming it", missing, err)
		}
	}
	// The capture owner without DBMS_FLASHBACK: PrepareSchema names the
	// grant, and the trigger's dry run refuses to install a trigger that
	// would not compile, leaving the table writable.
	capName, capDB := f.env.user("NOFB", "CREATE TABLE", "CREATE SEQUENCE", "CREATE PROCEDURE", "CREATE ANY TRIGGER")
	_, err := capDB.ExecContext(ctx, capture{}.PrepareSchema(capName))
	if err == nil || !strings.Contains(err.Error(), "DBMS_FLASHBACK") {
		t.Errorf("PrepareSchema without DBMS_FLASHBACK: %v", err)
	}
	installSchema(t, capDB, capName)
	mustExec(t, f.appDB, "GRANT SELECT ON "+ident(f.app, "T")+" TO "+ident(capName))
	spec := fsql.CaptureSpec{CaptureSchema: capName, ID: 1, Table: f.tables[1], Key: []string{"ID"}}
	stmts, err := capture{}.Triggers(spec)
	if err != nil {
		t.Fatal(err)
	}
	var runErr error
	for _, s := range stmts {
		if _, runErr = capDB.ExecContext(ctx, s); runErr != nil {
			break
		}
	}
	if runErr == nil || !strings.Contains(runErr.Error(), "does not compile") {
		t.Fatalf("installing without DBMS_FLASHBACK: %v, want the dry run to refuse", runErr)
	}
	mustExec(t, f.appDB, `INSERT INTO `+ident(f.app, "T")+` VALUES (99, 'writable')`)
	var n int
	if err := capDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM ALL_TRIGGERS WHERE OWNER = :1`, capName).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d triggers left behind (%v)", n, err)
	}
}

// TestOracleKeyMoves: statements that move keys give one net change per
// key; TRUNCATE is captured as 't'.
func TestOracleKeyMoves(t *testing.T) {
	f := newCaptureFixture(t)
	f.table(t, 1, "T", simpleDDL)
	tbl := ident(f.app, "T")
	mustExec(t, f.appDB, `INSERT INTO `+tbl+` SELECT LEVEL, 'v' || LEVEL FROM DUAL CONNECT BY LEVEL <= 3`)
	f.drain(t, 100)
	mustExec(t, f.appDB, `UPDATE `+tbl+` SET "ID" = "ID" + 1`)
	got := f.drain(t, 100)
	byKey := map[string]change{}
	for _, c := range got {
		img := c.after
		if img == nil {
			img = c.before
		}
		byKey[string(img["ID"])] = c
	}
	if len(got) != 4 || byKey["1"].op != "d" || byKey["2"].op != "u" || byKey["3"].op != "u" || byKey["4"].op != "c" {
		t.Fatalf("UPDATE id = id + 1 gave %s, want one change per key: d:1 u:2 u:3 c:4", summary(got, "ID"))
	}
	if string(byKey["2"].before["V"]) != `"v2"` || string(byKey["2"].after["V"]) != `"v1"` {
		t.Fatalf("key 2: before %s after %s, want the row that was 2 replaced by the row that was 1", byKey["2"].before["V"], byKey["2"].after["V"])
	}
	mustExec(t, f.appDB, `UPDATE `+tbl+` SET "ID" = CASE "ID" WHEN 2 THEN 3 ELSE 2 END WHERE "ID" IN (2, 3)`)
	if got := summary(f.drain(t, 100), "ID"); got != "u:2 u:3" && got != "u:3 u:2" {
		t.Fatalf("a swap gave %s, want an update of each key", got)
	}
	mustExec(t, f.appDB, `TRUNCATE TABLE `+tbl)
	got = f.drain(t, 100)
	if len(got) != 1 || got[0].op != "t" || got[0].table != 1 {
		t.Fatalf("TRUNCATE gave %+v, want one 't' row of table 1", got)
	}
}

// TestOracleStatementRestart: Oracle restarts an UPDATE whose row changed
// under it (write consistency) and fires its triggers again; the outbox
// holds each change once.
func TestOracleStatementRestart(t *testing.T) {
	f := newCaptureFixture(t)
	f.table(t, 1, "T", `("ID" NUMBER(10) PRIMARY KEY, "X" NUMBER(10), "Y" NUMBER(10))`)
	tbl := ident(f.app, "T")
	mustExec(t, f.appDB, `INSERT INTO `+tbl+` VALUES (1, 1, 1)`)
	f.drain(t, 100)
	ctx := context.Background()
	first, err := f.appDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, first, `UPDATE `+tbl+` SET "X" = "X" + 1`)
	var wg sync.WaitGroup
	wg.Add(1)
	var second error
	go func() {
		defer wg.Done()
		_, second = f.appDB.ExecContext(ctx, `UPDATE `+tbl+` SET "X" = "X" + 1 WHERE "X" > 0`)
	}()
	time.Sleep(time.Second) // let the second UPDATE block on the row (not an assertion)
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if second != nil {
		t.Fatal(second)
	}
	got := f.drain(t, 100)
	var xs []string
	for _, c := range got {
		xs = append(xs, string(c.before["X"])+">"+string(c.after["X"]))
	}
	if strings.Join(xs, " ") != "1>2 2>3" {
		t.Fatalf("changes %v, want 1>2 2>3, each once", xs)
	}
}

// TestOracleSessionSettingsDoNotChangeImages: a writer with other NLS
// settings and time zone produces the same images.
func TestOracleSessionSettingsDoNotChangeImages(t *testing.T) {
	f := newCaptureFixture(t)
	f.table(t, 1, "T", `("ID" NUMBER(10) PRIMARY KEY, "N" NUMBER(12,3), "D" DATE, "TS" TIMESTAMP(6),
		"TZ" TIMESTAMP(6) WITH TIME ZONE, "LTZ" TIMESTAMP(6) WITH LOCAL TIME ZONE, "I" INTERVAL DAY(3) TO SECOND(3), "F" BINARY_DOUBLE)`)
	f.drain(t, 100)
	ctx := context.Background()
	insert := func(id int, settings string) {
		conn, err := f.appDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if settings != "" {
			mustExec(t, conn, settings)
		}
		mustExec(t, conn, fmt.Sprintf(`INSERT INTO %s VALUES (%d, 1234.5, DATE '2024-02-29', TIMESTAMP '2024-02-29 13:45:01.25',
			TIMESTAMP '2026-03-29 03:30:00 Europe/Berlin', TIMESTAMP '2026-07-01 10:00:00 +00:00', INTERVAL '1 02:03:04.5' DAY TO SECOND, 0.1d)`, ident(f.app, "T"), id))
	}
	insert(1, "")
	insert(2, `ALTER SESSION SET NLS_NUMERIC_CHARACTERS = ',.' NLS_CALENDAR = 'Thai Buddha' NLS_DATE_LANGUAGE = 'GERMAN'
		NLS_DATE_FORMAT = 'DD.MON.YYYY' NLS_TIMESTAMP_TZ_FORMAT = 'DD.MM.RR HH24:MI TZD' TIME_ZONE = 'Asia/Kolkata'`)
	got := f.drain(t, 100)
	if len(got) != 2 {
		t.Fatalf("%d changes", len(got))
	}
	for name := range got[0].after {
		if name != "ID" && string(got[0].after[name]) != string(got[1].after[name]) {
			t.Errorf("column %s: %s in a default session, %s in another", name, got[0].after[name], got[1].after[name])
		}
	}
	want := map[string]string{
		"N": `"1234.500"`, "D": `"2024-02-29T00:00:00"`, "TS": `"2024-02-29T13:45:01.25"`,
		"TZ": `"2026-03-29T03:30:00+02:00[Europe/Berlin]"`, "LTZ": `"2026-07-01T10:00:00+00:00"`,
		"I": `"P1DT2H3M4.5S"`, "F": `0.1`,
	}
	for name, w := range want {
		if got := string(got[0].after[name]); got != w {
			t.Errorf("column %s: %s, want %s", name, got, w)
		}
	}
}

// allTypesDDL is the table of TestOracleTypeRoundTrip (Oracle 23ai: BOOLEAN
// and JSON).
const allTypesDDL = `("ID" NUMBER(10) PRIMARY KEY, "N_PLAIN" NUMBER, "N_MONEY" NUMBER(12,2), "N_38" NUMBER(38),
	"N_INTEGER" NUMBER(*,0), "N_HUNDREDS" NUMBER(5,-2), "F_126" FLOAT(126), "F_5" FLOAT(5), "BF" BINARY_FLOAT,
	"BD" BINARY_DOUBLE, "D" DATE, "TS9" TIMESTAMP(9), "TSTZ" TIMESTAMP(6) WITH TIME ZONE,
	"TSLTZ" TIMESTAMP(6) WITH LOCAL TIME ZONE, "IYM" INTERVAL YEAR(2) TO MONTH, "IDS" INTERVAL DAY(2) TO SECOND(6),
	"V" VARCHAR2(100 CHAR), "NV" NVARCHAR2(50), "C" CHAR(10 BYTE), "NC" NCHAR(5), "DOC" CLOB, "NDOC" NCLOB,
	"BIN" BLOB, "R16" RAW(16), "FLAG" BOOLEAN, "J" JSON)`

// TestOracleTypeRoundTrip: extreme values of every type, written by SQL,
// are captured in the expected neutral forms; those forms, written to a
// second table through Writer (array binding and JSON_TABLE), capture back
// to the same neutral forms, and the tables compare equal in SQL.
func TestOracleTypeRoundTrip(t *testing.T) {
	f := newCaptureFixture(t)
	src := f.table(t, 1, "SRC", allTypesDDL)
	dst := f.table(t, 2, "DST", allTypesDDL)
	ctx := context.Background()
	big := strings.Repeat("0123456789abcdé漢\n", 2600) // > 40 KB
	blob := []byte(strings.Repeat("\x00\x01\xfe\xff", 10500))
	rows := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO %s VALUES (1, 12345678901234567890123456789012345678, 1.5, 99999999999999999999999999999999999999,
			-12345678901234567890123456789012345678, 1234500, 0.1, 120, 0.1f, BINARY_DOUBLE_NAN,
			TO_DATE('9999-12-31 23:59:59', 'YYYY-MM-DD HH24:MI:SS'), TIMESTAMP '2026-01-02 03:04:05.123456789',
			TO_TIMESTAMP_TZ('2026-10-25 02:30:00 Europe/Berlin CEST', 'YYYY-MM-DD HH24:MI:SS TZR TZD'),
			TIMESTAMP '2026-07-01 10:00:00.5 +00:00', INTERVAL '-1-6' YEAR TO MONTH, INTERVAL '1 02:03:04.5' DAY TO SECOND,
			'naïve ☃ ''quoted''', UNISTR('\6F22\5B57 \00FC'), 'ab', N'x', :1, TO_NCLOB('漢'), :2,
			HEXTORAW('0189A8F27C3E7D1A9B2C3D4E5F607182'), TRUE, JSON('{"a":[1,2.5,"x"]}'))`,
			[]any{go_ora.Clob{String: big, Valid: true}, go_ora.Blob{Data: blob}}},
		{`INSERT INTO %s ("ID", "N_PLAIN", "BD", "D", "TSTZ", "DOC", "BIN") VALUES (2, 1E-130, -0.1d,
			TO_DATE('-4712-01-01', 'SYYYY-MM-DD'),
			TO_TIMESTAMP_TZ('2026-10-25 02:30:00 Europe/Berlin CET', 'YYYY-MM-DD HH24:MI:SS TZR TZD'), EMPTY_CLOB(), EMPTY_BLOB())`, nil},
		{`INSERT INTO %s ("ID", "TSTZ", "BD") VALUES (3, TIMESTAMP '2026-03-29 01:59:59.999999 Europe/Berlin', BINARY_DOUBLE_INFINITY)`, nil},
	}
	for _, r := range rows {
		mustExec(t, f.appDB, fmt.Sprintf(r.sql, ident(f.app, "SRC")), r.args...)
	}
	got := f.drain(t, 100)
	if len(got) != 3 {
		t.Fatalf("%d changes captured, want 3", len(got))
	}
	want := map[string]map[string]string{
		"1": {"N_PLAIN": `"12345678901234567890123456789012345678"`, "N_MONEY": `"1.50"`,
			"N_38": `"99999999999999999999999999999999999999"`, "N_INTEGER": `"-12345678901234567890123456789012345678"`,
			"N_HUNDREDS": `1234500`, "F_126": `"0.1"`, "F_5": `"120"`, "BF": `0.1`, "BD": `"NaN"`,
			"D": `"9999-12-31T23:59:59"`, "TS9": `"2026-01-02T03:04:05.123456789"`,
			"TSTZ": `"2026-10-25T02:30:00+02:00[Europe/Berlin]"`, "TSLTZ": `"2026-07-01T10:00:00.5+00:00"`,
			"IYM": `"P-1Y-6M"`, "IDS": `"P1DT2H3M4.5S"`, "V": `"naïve ☃ 'quoted'"`, "NV": `"漢字 ü"`,
			"C": `"ab        "`, "NC": `"x    "`, "NDOC": `"漢"`, "R16": `"AYmo8nw+fRqbLD1OX2Bxgg=="`,
			"FLAG": `true`, "J": `"{\"a\":[1,2.5,\"x\"]}"`},
		"2": {"N_PLAIN": `"0.` + strings.Repeat("0", 129) + `1"`, "BD": `-0.1`, "D": `"-4711-01-01T00:00:00"`,
			"TSTZ": `"2026-10-25T02:30:00+01:00[Europe/Berlin]"`, "DOC": `""`, "BIN": `""`, "V": `null`},
		"3": {"TSTZ": `"2026-03-29T01:59:59.999999+01:00[Europe/Berlin]"`, "BD": `"Infinity"`},
	}
	var neutral [][]json.RawMessage
	var cols []string
	for _, c := range src.Columns {
		cols = append(cols, c.Name)
	}
	for _, c := range got {
		id := string(c.after["ID"])
		for name, w := range want[id] {
			if g := string(c.after[name]); g != w {
				t.Errorf("row %s column %s: %.120s, want %.120s", id, name, g, w)
			}
		}
		if g := string(c.after["DOC"]); id == "1" && g != string(jsonString(big)) {
			t.Errorf("row 1: the 40 KB CLOB did not arrive whole (%d bytes)", len(g))
		}
		row := make([]json.RawMessage, len(cols))
		for i, name := range cols {
			row[i] = c.after[name]
		}
		neutral = append(neutral, row)
	}

	// Write the neutral forms into DST, the CLOB and BLOB over 32 KB in an
	// array-bound MERGE, then again through JSON_TABLE (which refuses the
	// 42 KB BLOB: hex in VARCHAR2(4000)), and capture DST.
	mustExec(t, f.appDB, "GRANT SELECT, INSERT, UPDATE, DELETE ON "+ident(f.app, "DST")+" TO "+ident(f.cap))
	w, err := NewWriter(dst, []string{"ID"}, cols, BindOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := f.capDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Upsert(ctx, tx, neutral); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	back := f.drain(t, 100)
	if len(back) != 3 {
		t.Fatalf("%d changes captured from DST, want 3", len(back))
	}
	for i, c := range back {
		for j, name := range cols {
			if string(c.after[name]) != string(neutral[i][j]) {
				t.Errorf("row %s column %s: wrote %.80s, read back %.80s", c.after["ID"], name, neutral[i][j], c.after[name])
			}
		}
	}
	var differ int
	err = f.capDB.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM %s s JOIN %s d ON d."ID" = s."ID"
		WHERE DECODE(s."N_PLAIN", d."N_PLAIN", 1, 0) = 0 OR DECODE(s."N_INTEGER", d."N_INTEGER", 1, 0) = 0
		   OR DECODE(s."BD", d."BD", 1, 0) = 0 OR DECODE(s."D", d."D", 1, 0) = 0 OR DECODE(s."TS9", d."TS9", 1, 0) = 0
		   OR DECODE(s."TSTZ", d."TSTZ", 1, 0) = 0 OR DECODE(TO_CHAR(s."TSTZ", 'TZR'), TO_CHAR(d."TSTZ", 'TZR'), 1, 0) = 0
		   OR DECODE(s."IDS", d."IDS", 1, 0) = 0 OR DECODE(s."NV", d."NV", 1, 0) = 0
		   OR NVL(DBMS_LOB.COMPARE(s."DOC", d."DOC"), 0) <> 0 OR NVL(DBMS_LOB.COMPARE(s."BIN", d."BIN"), 0) <> 0`,
		ident(f.app, "SRC"), ident(f.app, "DST"))).Scan(&differ)
	if err != nil || differ != 0 {
		t.Fatalf("%d rows differ between SRC and DST (%v)", differ, err)
	}

	w.JSON = true
	tx, _ = f.capDB.BeginTx(ctx, nil)
	err = w.Upsert(ctx, tx, neutral)
	tx.Rollback()
	if err == nil {
		t.Fatal("the JSON_TABLE variant took a 42 KB BLOB through VARCHAR2(4000)")
	}

	// A value Oracle cannot hold is an error naming table, column and key.
	bad := append([]json.RawMessage{}, neutral[1]...)
	bad[1] = json.RawMessage(`"123456789012345678901234567890123456789"`)
	tx, _ = f.capDB.BeginTx(ctx, nil)
	err = w.Upsert(ctx, tx, [][]json.RawMessage{bad})
	tx.Rollback()
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Column != "N_PLAIN" || ve.Key != `{"ID":2}` {
		t.Fatalf("a 39-digit NUMBER: %v, want a ValueError for N_PLAIN of key 2", err)
	}
}

// TestOracleMergeDelete: upsert (insert, then update), the last row of a
// key wins, and delete, through both variants.
func TestOracleMergeDelete(t *testing.T) {
	e := oracleEnv(t)
	name, db := e.user("TGT", "CREATE TABLE")
	mustExec(t, db, `CREATE TABLE "P" ("A" VARCHAR2(10) NOT NULL, "B" DATE NOT NULL, "N" NUMBER(12,2), "DOC" CLOB,
		CONSTRAINT "P_PK" PRIMARY KEY ("A", "B"))`)
	ctx := context.Background()
	tbl, err := Dialect{}.Describe(ctx, db, "", "p")
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Schema != name || len(tbl.PrimaryKey) != 2 {
		t.Fatalf("Describe with the default schema: %+v", tbl)
	}
	big := strings.Repeat("y", 33000)
	for _, useJSON := range []bool{false, true} {
		w, err := NewWriter(tbl, []string{"a", "b"}, []string{"a", "b", "n", "doc"}, BindOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w.JSON = useJSON
		row := func(a, b, n, doc string) []json.RawMessage {
			return []json.RawMessage{json.RawMessage(a), json.RawMessage(b), json.RawMessage(n), json.RawMessage(doc)}
		}
		run := func(fn func(tx *stdsql.Tx) error) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := fn(tx); err != nil {
				tx.Rollback()
				t.Fatalf("json=%v: %v", useJSON, err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		run(func(tx *stdsql.Tx) error {
			return w.Upsert(ctx, tx, [][]json.RawMessage{
				row(`"k1"`, `"2026-01-01"`, `"1.5"`, `"`+big+`"`),
				row(`"k2"`, `"2026-01-01T12:00:00"`, `null`, `""`),
				row(`"k1"`, `"2026-01-01T00:00:00"`, `"2.25"`, `"last"`), // same key as the first row
			})
		})
		var n stdsql.NullString
		var docLen int
		if err := db.QueryRowContext(ctx, `SELECT TO_CHAR("N", 'TM9'), DBMS_LOB.GETLENGTH("DOC") FROM "P" WHERE "A" = 'k1'`).Scan(&n, &docLen); err != nil {
			t.Fatal(err)
		}
		if n.String != "2.25" || docLen != 4 {
			t.Fatalf("json=%v: k1 has N %v, DOC of %d characters; want the last row's", useJSON, n, docLen)
		}
		var emptyLen stdsql.NullInt64
		if err := db.QueryRowContext(ctx, `SELECT DBMS_LOB.GETLENGTH("DOC") FROM "P" WHERE "A" = 'k2'`).Scan(&emptyLen); err != nil || !emptyLen.Valid || emptyLen.Int64 != 0 {
			t.Fatalf("json=%v: an empty CLOB came back as %v (%v), want empty, not NULL", useJSON, emptyLen, err)
		}
		run(func(tx *stdsql.Tx) error {
			return w.Delete(ctx, tx, [][]json.RawMessage{{json.RawMessage(`"k1"`), json.RawMessage(`"2026-01-01"`)},
				{json.RawMessage(`"k2"`), json.RawMessage(`"2026-01-01T12:00:00"`)}})
		})
		var left int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "P"`).Scan(&left); err != nil || left != 0 {
			t.Fatalf("json=%v: %d rows left after delete (%v)", useJSON, left, err)
		}
	}
}

// TestOracleLeader: one holder at a time; the lease passes on release and
// when the holder's session ends.
func TestOracleLeader(t *testing.T) {
	e := oracleEnv(t)
	_, db := e.user("LEAD", "EXECUTE ON SYS.DBMS_LOCK")
	ctx := context.Background()
	a := source{}.Leader(db, "ferry", "hq-"+e.id)
	b := source{}.Leader(db, "ferry", "hq-"+e.id)
	if ok, err := a.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("a: %v %v", ok, err)
	}
	if ok, err := b.TryAcquire(ctx); ok || err != nil {
		t.Fatalf("b took a held lease: %v %v", ok, err)
	}
	if err := a.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("b after release: %v %v", ok, err)
	}
	b.(*leader).drop() // the session ends without a release
	// The server frees the lock once it has ended the session: poll.
	for i := 0; ; i++ {
		ok, err := a.TryAcquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if i == 300 {
			t.Fatal("the lease was not freed when its session ended")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestOracleMigrationsResumable: goose with Ferry's Oracle store applies
// the capture schema's files, a run cut short is completed by the next,
// and down removes it.
func TestOracleMigrationsResumable(t *testing.T) {
	e := oracleEnv(t)
	capName, db := e.user("MIG", captureGrants...)
	ctx := context.Background()
	migs, err := fsql.RenderSchema(capture{}.SchemaFiles(), ident(capName))
	if err != nil {
		t.Fatal(err)
	}
	// A run that stopped after the first two statements of 00001.
	for _, st := range upStatements(migs[0].SQL)[:2] {
		mustExec(t, db, st)
	}
	fsys := fstest.MapFS{}
	for _, m := range migs {
		fsys[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
	}
	store, err := capture{}.Store(capName, "goose_capture")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider("", db, fsys, goose.WithStore(store), goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(&sessionLocker{name: "ferry.migrate." + e.id}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	for _, obj := range []string{"OUTBOX", "CAPTURED", "RELAY_OFFSET", "OUTBOX_SEQ", "BASE64", "SNAPSHOT_REQUEST", "HEARTBEAT"} {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ALL_OBJECTS WHERE OWNER = :1 AND OBJECT_NAME = :2 AND STATUS = 'VALID'`, capName, obj).Scan(&n); err != nil || n == 0 {
			t.Errorf("%s missing after up (%v)", obj, err)
		}
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != 3 {
		t.Fatalf("version %d, %v", v, err)
	}
	if res, err := p.Up(ctx); err != nil || len(res) != 0 {
		t.Fatalf("second up: %v %v", res, err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ALL_OBJECTS WHERE OWNER = :1 AND OBJECT_NAME IN ('OUTBOX', 'CAPTURED', 'OUTBOX_SEQ', 'SNAPSHOT_REQUEST')`, capName).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d objects left after down (%v)", n, err)
	}
}

// TestOracleBookkeeping: the applier's tables and statements, run by the
// generic store (applier/bookkeeping) as the applier runs them.
func TestOracleBookkeeping(t *testing.T) {
	e := oracleEnv(t)
	name, db := e.user("BK", "CREATE TABLE")
	ctx := context.Background()
	tg := Dialect{}.Target()
	bk := bookkeeping.New(tg.Bookkeeping(name), "g")
	for range 2 { // Prepare is idempotent
		if err := bk.Prepare(ctx, db, name); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if ok, err := bk.AdvanceOffset(ctx, tx, "topic", 3, -1, 10); !ok || err != nil {
		t.Fatalf("first offset: %v %v", ok, err)
	}
	if ok, err := bk.AdvanceOffset(ctx, tx, "topic", 3, 10, 12); !ok || err != nil {
		t.Fatalf("advance: %v %v", ok, err)
	}
	if ok, err := bk.AdvanceOffset(ctx, tx, "topic", 3, 10, 13); ok || err != nil {
		t.Fatalf("an advance from a stale offset must be refused, not fail: %v %v", ok, err)
	}
	offs, err := bk.Offsets(ctx, tx, "topic")
	if err != nil || offs[3] != 12 {
		t.Fatalf("offsets %v, %v", offs, err)
	}
	h := fsql.HeldChange{Key: `{"id":1}`, Kind: fsql.HeldForRow, Topic: "topic", Partition: 3, Offset: 7, Reason: "parent missing",
		MessageKey: []byte(`{"id":1}`), MessageValue: nil}
	if err := bk.Hold(ctx, tx, h); err != nil {
		t.Fatal(err)
	}
	held, err := bk.Held(ctx, tx)
	if err != nil || len(held) != 1 || string(held[0].MessageKey) != `{"id":1}` || held[0].MessageValue != nil || held[0].Reason != h.Reason {
		t.Fatalf("held %+v, %v", held, err)
	}
	keys, err := bk.HeldKeys(ctx, tx, []string{`{"id":1}`, `{"id":2}`})
	if err != nil || keys[`{"id":1}`] != fsql.HeldForRow || len(keys) != 1 {
		t.Fatalf("held keys %v, %v", keys, err)
	}
	if err := bk.SetBlocked(ctx, tx, map[string]int{`{"id":1}`: 2}); err != nil {
		t.Fatal(err)
	}
	blocked, err := bk.Blocked(ctx, tx, []string{`{"id":1}`})
	if err != nil || blocked[`{"id":1}`] != 2 {
		t.Fatalf("blocked %v, %v", blocked, err)
	}
	for range 2 {
		if err := bk.MarkReplayed(ctx, tx, "e1"); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := bk.Replayed(ctx, tx, "e1"); !ok || err != nil {
		t.Fatalf("replayed: %v %v", ok, err)
	}
	if err := tg.Savepoint(ctx, tx, "change"); err != nil {
		t.Fatal(err)
	}
	if err := bk.Unhold(ctx, tx, held[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := tg.RollbackTo(ctx, tx, "change"); err != nil {
		t.Fatal(err)
	}
	if held, _ := bk.Held(ctx, tx); len(held) != 1 {
		t.Fatal("rollback to the savepoint did not restore the held change")
	}

	// An empty message key and value come back empty, not nil.
	empty := fsql.HeldChange{Key: `{"id":3}`, Kind: fsql.HeldByRule, Topic: "topic", Offset: 8, MessageKey: []byte{}, MessageValue: []byte{}}
	if err := bk.Hold(ctx, tx, empty); err != nil {
		t.Fatal(err)
	}
	if held, err := bk.Held(ctx, tx); err != nil || len(held) != 2 || held[1].MessageKey == nil || held[1].MessageValue == nil ||
		len(held[1].MessageKey)+len(held[1].MessageValue) != 0 {
		t.Fatalf("held with an empty message: %+v, %v", held, err)
	}
	// A key longer than the tables hold is not found, and cannot be held.
	long := `{"id":"` + strings.Repeat("x", 5000) + `"}`
	if blocked, err := bk.Blocked(ctx, tx, []string{long}); err != nil || len(blocked) != 0 {
		t.Fatalf("blocked of a 5000-byte key: %v, %v", blocked, err)
	}
	if err := bk.Hold(ctx, tx, fsql.HeldChange{Key: long, Kind: fsql.HeldByRule, Topic: "topic"}); err == nil || !strings.Contains(err.Error(), "bytes long") {
		t.Fatalf("hold of a 5000-byte key: %v", err)
	}
}
