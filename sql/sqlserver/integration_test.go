package sqlserver

// Tests against a real SQL Server. None can run where Ferry is developed (no
// Docker engine, no server package): they run wherever FERRY_TEST_MSSQL_DSN
// names a server, e.g. `docker compose --profile mssql up -d` and
//
//	FERRY_TEST_MSSQL_DSN='sqlserver://sa:Ferry_Passw0rd@127.0.0.1:1433?database=master&TrustServerCertificate=true'
//
// Each test creates a database of its own and drops it afterwards; the
// login needs CREATE DATABASE (and ALTER ANY CONNECTION for the leader test).

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
	"github.com/microsoft/go-mssqldb/msdsn"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// testDB creates a database for the test and returns a pool on it; rcsi
// turns READ_COMMITTED_SNAPSHOT on, the other way the window read runs.
func testDB(t *testing.T, rcsi bool) *stdsql.DB {
	t.Helper()
	dsn := os.Getenv("FERRY_TEST_MSSQL_DSN")
	if dsn == "" {
		t.Skip("FERRY_TEST_MSSQL_DSN is not set, so no SQL Server is reachable (none is where Ferry is developed): set it " +
			"(e.g. sqlserver://sa:Ferry_Passw0rd@127.0.0.1:1433?database=master&TrustServerCertificate=true) to run against one")
	}
	cfg, err := msdsn.Parse(dsn)
	if err != nil {
		t.Fatalf("FERRY_TEST_MSSQL_DSN does not parse (%v)", errRedacted)
	}
	ctx := t.Context()
	admin := stdsql.OpenDB(mssql.NewConnectorConfig(cfg))
	b := make([]byte, 6)
	rand.Read(b)
	name := "ferry_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+ident(name)); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	cfg.Database = name
	db := stdsql.OpenDB(mssql.NewConnectorConfig(cfg))
	t.Cleanup(func() {
		db.Close()
		ctx := context.Background()
		admin.ExecContext(ctx, "ALTER DATABASE "+ident(name)+" SET SINGLE_USER WITH ROLLBACK IMMEDIATE")
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+ident(name)); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	if rcsi {
		exec(t, admin, "ALTER DATABASE "+ident(name)+" SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE")
	}
	return db
}

func exec(t *testing.T, db interface {
	ExecContext(context.Context, string, ...any) (stdsql.Result, error)
}, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), q, args...); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

// installSchema applies the capture schema's migrations through goose's
// mssql dialect, as `ferry migrate up` does.
func installSchema(t *testing.T, db *stdsql.DB) {
	t.Helper()
	exec(t, db, capture{}.PrepareSchema("ferry"))
	migs, err := fsql.RenderSchema(capture{}.SchemaFiles(), ident("ferry"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, m := range migs {
		fsys[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
	}
	store, err := database.NewStore(database.DialectMSSQL, "ferry.goose_capture")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider("", db, fsys, goose.WithStore(store), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(t.Context()); err != nil {
		t.Fatalf("goose up: %v", err)
	}
}

// installCapture installs capture of a table, with its registry row, in one
// transaction, as the trigger migration does.
func installCapture(t *testing.T, db *stdsql.DB, spec fsql.CaptureSpec) {
	t.Helper()
	c := capture{}
	stmts, err := c.Triggers(spec)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := c.Register(spec, "hash")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, s := range append(stmts, reg) {
		exec(t, tx, s)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// captured creates a table with ddl, the capture schema, and capture of the
// table by its primary key, and returns the table as Describe reads it.
func captured(t *testing.T, db *stdsql.DB, ddl, table string) *fsql.Table {
	t.Helper()
	exec(t, db, ddl)
	tbl, err := Dialect{}.Describe(t.Context(), db, "dbo", table)
	if err != nil {
		t.Fatal(err)
	}
	installSchema(t, db)
	installCapture(t, db, fsql.CaptureSpec{CaptureSchema: "ferry", ID: 1, Table: tbl, Key: tbl.PrimaryKey})
	return tbl
}

const everyTypeDDL = `CREATE TABLE dbo.every_type (
    id int NOT NULL PRIMARY KEY, c_bit bit NULL, c_tinyint tinyint NULL, c_smallint smallint NULL, c_int int NULL,
    c_bigint bigint NULL, c_decimal decimal(38,10) NULL, c_numeric numeric(38,0) NULL, c_fraction decimal(38,38) NULL,
    c_money money NULL, c_smallmoney smallmoney NULL, c_float float NULL, c_real real NULL, c_date date NULL,
    c_time time(7) NULL, c_time0 time(0) NULL, c_datetime datetime NULL, c_smalldatetime smalldatetime NULL,
    c_datetime2 datetime2(7) NULL, c_datetime2_0 datetime2(0) NULL, c_datetimeoffset datetimeoffset(7) NULL,
    c_char char(10) COLLATE SQL_Latin1_General_CP1_CI_AS NULL, c_varchar varchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    c_varchar_max varchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS NULL, c_nchar nchar(10) NULL, c_nvarchar nvarchar(100) NULL,
    c_nvarchar_max nvarchar(max) NULL, c_binary binary(16) NULL, c_varbinary varbinary(100) NULL,
    c_varbinary_max varbinary(max) NULL, c_uniqueidentifier uniqueidentifier NULL, c_xml xml NULL,
    c_rowversion rowversion NOT NULL)`

// everyTypeRows are the rows of testdata/images.json, written as T-SQL
// literals: the trigger's images of them must be those samples exactly.
const everyTypeRows = `INSERT INTO dbo.every_type (id, c_bit, c_tinyint, c_smallint, c_int, c_bigint, c_decimal, c_numeric,
    c_fraction, c_money, c_smallmoney, c_float, c_real, c_date, c_time, c_time0, c_datetime, c_smalldatetime, c_datetime2,
    c_datetime2_0, c_datetimeoffset, c_char, c_varchar, c_varchar_max, c_nchar, c_nvarchar, c_nvarchar_max, c_binary,
    c_varbinary, c_varbinary_max, c_uniqueidentifier, c_xml)
VALUES
 (1, 1, 255, 32767, 2147483647, 9223372036854775807, 9999999999999999999999999999.9999999999,
  99999999999999999999999999999999999999, 0.99999999999999999999999999999999999999, 922337203685477.5807, 214748.3647,
  1.7976931348623157E+308, CAST(3.40282347E+38 AS real), '9999-12-31', '23:59:59.9999999', '23:59:59',
  '9999-12-31T23:59:59.997', '2079-06-06T23:59:00', '9999-12-31T23:59:59.9999999', '9999-12-31T23:59:59',
  '2024-06-30T23:59:59.9999999+14:00', 'abc', N'café / "q"', 'x', N'😀', N'😀 beyond the BMP',
  N'line1' + NCHAR(10) + N'line2' + NCHAR(9) + N'tab', 0x000102030405060708090A0B0C0D0E0F, 0xFF, 0x,
  '6F9619FF-8B86-D011-B42D-00C04FC964FF', N'<r a="1">x</r>'),
 (2, 0, 0, -32768, -2147483648, -9223372036854775808, -9999999999999999999999999999.9999999999,
  -99999999999999999999999999999999999999, -0.00000000000000000000000000000000000001, -922337203685477.5808, -214748.3648,
  -0.0E0, CAST(-1.17549435E-38 AS real), '0001-01-01', '00:00:00', '00:00:00', '1753-01-01T00:00:00', '1900-01-01T00:00:00',
  '0001-01-01T00:00:00', '0001-01-01T00:00:00', '0001-01-01T00:00:00-14:00', '', '', '', N'', N'', N'',
  0x00000000000000000000000000000000, 0x, 0x00, '00000000-0000-0000-0000-000000000000', N''),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`

// sameImage compares an image with the expected neutral one, leaving out
// rowversions (the server hands them out) and taking a float zero's sign
// as SQL Server keeps it or not.
func sameImage(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w map[string]json.RawMessage
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	for k, wv := range w {
		if k == "c_rowversion" {
			continue
		}
		gv := string(g[k])
		if gv != string(wv) && !(string(wv) == "-0" && gv == "0") {
			t.Errorf("id %s column %s: got %s, want %s", g["id"], k, gv, wv)
		}
	}
}

func (o *outbox) readAll(t *testing.T, pos []byte) ([]fsql.OutboxRow, []byte) {
	t.Helper()
	var rows []fsql.OutboxRow
	for {
		b, err := o.Read(t.Context(), pos, fsql.Limit{Rows: 2})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, b.Rows...)
		pos = b.Next
		if len(b.Rows) < 2 {
			return rows, pos
		}
	}
}

// TestIntegrationCaptureEveryType captures a multi-row INSERT of every type,
// an UPDATE that moves keys onto each other, and a DELETE, and reads them
// back through the window in order, with the exact neutral values.
func TestIntegrationCaptureEveryType(t *testing.T) {
	db := testDB(t, false)
	ctx := t.Context()
	exec(t, db, everyTypeDDL)
	tbl, err := Dialect{}.Describe(ctx, db, "dbo", "every_type")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tbl.Columns {
		if err := (source{}).CheckType(c); err != nil {
			t.Errorf("column %s: %v", c.Name, err)
		}
	}
	if err := CheckOwner(ctx, db, "dbo"); err != nil {
		t.Fatal(err)
	}
	exec(t, db, "CREATE ROLE ferry_owners")
	exec(t, db, "CREATE SCHEMA role_owned AUTHORIZATION ferry_owners")
	if err := CheckOwner(ctx, db, "role_owned"); err == nil || !strings.Contains(err.Error(), "role") {
		t.Errorf("a role-owned schema passed: %v", err)
	}
	if fmt.Sprint(tbl.PrimaryKey) != "[id]" {
		t.Fatalf("primary key %v", tbl.PrimaryKey)
	}
	installSchema(t, db)
	spec := fsql.CaptureSpec{CaptureSchema: "ferry", ID: 1, Table: tbl, Key: []string{"id"}}
	installCapture(t, db, spec)
	if in, err := (capture{}).Inspect(ctx, db, "ferry", fsql.Registered{ID: 1, Schema: "dbo", Name: "every_type"}); err != nil ||
		in.Table != "dbo.every_type" || len(in.Problems) > 0 {
		t.Fatalf("installed capture: %+v, %v", in, err)
	}
	reg, err := capture{}.Registry(ctx, db, "ferry")
	if err != nil || len(reg) != 1 || reg[0].Name != "every_type" || fmt.Sprint(reg[0].Key) != "[id]" {
		t.Fatalf("registry: %+v, %v", reg, err)
	}

	res, err := db.ExecContext(ctx, everyTypeRows)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 3 {
		t.Errorf("the INSERT reports %d rows: SET NOCOUNT ON must keep the trigger's own count out", n)
	}
	o := Dialect{}.Source().Outbox(db, "ferry").(*outbox)
	rows, pos := o.readAll(t, nil)
	if len(rows) != 3 {
		t.Fatalf("%d outbox rows for a 3-row INSERT, want 3", len(rows))
	}
	var want []json.RawMessage
	readJSON(t, "neutral.json", &want)
	for i, r := range rows {
		if r.Op != 'c' || r.Before != nil || r.TableID != 1 || r.TxID == 0 || (i > 0 && r.Seq <= rows[i-1].Seq) {
			t.Fatalf("row %d: %+v", i, r)
		}
		got, err := NeutralImage(tbl.Columns, r.After)
		if err != nil {
			t.Fatalf("%s: %v", r.After, err)
		}
		var id struct{ ID int }
		json.Unmarshal(got, &id)
		sameImage(t, got, want[id.ID-1])
	}
	if rows[0].TxID != rows[2].TxID {
		t.Error("one statement's rows carry different transaction ids")
	}

	// Trap 5: keys 1, 2, 3 become 2, 3, 4 in one statement.
	exec(t, db, "UPDATE dbo.every_type SET id = id + 1")
	rows, pos = o.readAll(t, pos)
	ops := map[int]string{}
	for _, r := range rows {
		img := r.After
		if r.Op == 'd' {
			img = r.Before
		}
		var k struct{ ID int }
		if err := json.Unmarshal(img, &k); err != nil {
			t.Fatal(err)
		}
		ops[k.ID] += string(r.Op)
		if r.Op == 'u' {
			var before, after struct{ ID, C_int *int }
			json.Unmarshal(r.Before, &before)
			json.Unmarshal(r.After, &after)
			if *before.ID != *after.ID {
				t.Errorf("an update pairs key %d with key %d", *before.ID, *after.ID)
			}
		}
	}
	if fmt.Sprint(ops) != "map[1:d 2:u 3:u 4:c]" {
		t.Errorf("net changes per key %v, want map[1:d 2:u 3:u 4:c]", ops)
	}

	exec(t, db, "DELETE FROM dbo.every_type WHERE id = 4")
	rows, _ = o.readAll(t, pos)
	if len(rows) != 1 || rows[0].Op != 'd' || rows[0].After != nil {
		t.Fatalf("delete: %+v", rows)
	}
	if got, _ := NeutralImage(tbl.Columns, rows[0].Before); !strings.Contains(string(got), `"c_nvarchar":null`) {
		t.Errorf("delete's before image %s, want row 3's (all NULL) moved to key 4", got)
	}
}

// TestIntegrationOutOfOrderCommit: T1 inserts, T2 inserts and commits, T1
// commits. The relay must not pass T1's change while T1 is open, and then
// returns both, T1's first.
func TestIntegrationOutOfOrderCommit(t *testing.T) {
	for _, rcsi := range []bool{false, true} {
		t.Run(fmt.Sprintf("read_committed_snapshot=%v", rcsi), func(t *testing.T) {
			db := testDB(t, rcsi)
			ctx := t.Context()
			captured(t, db, "CREATE TABLE dbo.k (id int NOT NULL PRIMARY KEY, v nvarchar(20) NULL)", "k")
			o := Dialect{}.Source().Outbox(db, "ferry").(*outbox)
			_, pos := o.readAll(t, nil)

			c1, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c1.Close()
			var spid int
			if err := c1.QueryRowContext(ctx, "SELECT @@SPID").Scan(&spid); err != nil {
				t.Fatal(err)
			}
			t1, err := c1.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer t1.Rollback()
			exec(t, t1, "INSERT INTO dbo.k (id, v) VALUES (1, N't1')")
			exec(t, db, "INSERT INTO dbo.k (id, v) VALUES (2, N't2')") // T2, committed

			rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			b, err := o.Read(rctx, pos, fsql.Limit{Rows: 100})
			if errors.Is(rctx.Err(), context.DeadlineExceeded) {
				t.Fatal("the window read waited for the open transaction (locking READ COMMITTED at the bound's row)")
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Rows) != 0 {
				t.Fatalf("read %d rows while T1 is open: the cursor passed T1 (%s)", len(b.Rows), b.Rows[0].After)
			}
			if blk, ok, err := o.OldestTransaction(ctx); errors.Is(err, fsql.ErrTransactionsHidden) {
				t.Log("no VIEW SERVER STATE: the oldest transaction is not measured")
			} else if err != nil {
				t.Fatal(err)
			} else if want := fmt.Sprintf("session_id %d", spid); !ok || blk.Session != want {
				t.Errorf("oldest transaction is %q (found %v), want T1's %q", blk.Session, ok, want)
			}
			if err := t1.Commit(); err != nil {
				t.Fatal(err)
			}
			rows, _ := o.readAll(t, b.Next)
			if len(rows) != 2 || !strings.Contains(string(rows[0].After), `"t1"`) || !strings.Contains(string(rows[1].After), `"t2"`) {
				t.Fatalf("after T1's commit: %d rows %+v, want T1's then T2's", len(rows), rows)
			}
		})
	}
}

// TestIntegrationLargeObjects: text, ntext and image are read from the
// table for the after image, and left out of the before image.
func TestIntegrationLargeObjects(t *testing.T) {
	db := testDB(t, false)
	tbl := captured(t, db, "CREATE TABLE dbo.documents (doc_id uniqueidentifier NOT NULL PRIMARY KEY, title nvarchar(200) NOT NULL, body text NULL, body_u ntext NULL, scan image NULL)", "documents")
	exec(t, db, "INSERT INTO dbo.documents VALUES ('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', N'one', 'old body', N'ünï', 0x0102)")
	exec(t, db, "UPDATE dbo.documents SET body = 'new body', title = N'two'")
	o := Dialect{}.Source().Outbox(db, "ferry").(*outbox)
	rows, _ := o.readAll(t, nil)
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	after, err := NeutralImage(tbl.Columns, rows[1].After)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"doc_id":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","title":"two","body":"new body","body_u":"ünï","scan":"AQI="}`
	if string(after) != want {
		t.Errorf("after image %s, want %s", after, want)
	}
	if strings.Contains(string(rows[1].Before), "body") || !strings.Contains(string(rows[1].Before), `"one"`) {
		t.Errorf("before image %s: text columns must be left out", rows[1].Before)
	}
}

// TestIntegrationTarget writes the neutral samples through both paths
// (parameters and bulk copy), reads them back through the trigger's own
// image forms, and compares; then deletes, classifies errors by number, and
// checks savepoints, doomed transactions and the bookkeeping statements.
func TestIntegrationTarget(t *testing.T) {
	db := testDB(t, false)
	ctx := t.Context()
	exec(t, db, everyTypeDDL)
	tbl, err := Dialect{}.Describe(ctx, db, "dbo", "every_type")
	if err != nil {
		t.Fatal(err)
	}
	tg := Dialect{}.Target()
	var samples []json.RawMessage
	readJSON(t, "neutral.json", &samples)
	var cols []string
	for _, c := range tbl.Columns {
		cols = append(cols, c.Name)
	}
	// Few rows take the parameter path; 600 copies (19,200 values) the stage.
	var few, many [][]json.RawMessage
	for i, s := range samples {
		few = append(few, neutralRows(t, cols, string(s))...)
		for n := range 200 {
			var m map[string]json.RawMessage
			json.Unmarshal(s, &m)
			m["id"] = json.RawMessage(strconv.Itoa(1000 + n*3 + i))
			b, _ := json.Marshal(m)
			many = append(many, neutralRows(t, cols, string(b))...)
		}
	}
	w, _ := newWrite(tbl, []string{"id"}, cols, false)
	if w.useStage(len(few)) || !w.useStage(len(many)) {
		t.Fatal("the batches do not take the two paths")
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, batch := range [][][]json.RawMessage{few, many, few} { // the second few updates
		if err := UpsertRows(ctx, tx, tbl, []string{"id"}, cols, batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rd, err := Dialect{}.Snapshot().Reader(ctx, db, fsql.ReadSpec{Table: tbl, Key: []string{"id"}, CaptureSchema: "ferry", CaptureID: 1})
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := rd.Chunk(ctx, nil, nil, 10000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, img := range imgs {
		got, err := NeutralImage(tbl.Columns, []byte(img))
		if err != nil {
			t.Fatal(err)
		}
		var id struct{ ID int }
		json.Unmarshal(got, &id)
		k := id.ID - 1
		if id.ID >= 1000 {
			k = (id.ID - 1000) % 3
		}
		var exp map[string]json.RawMessage
		json.Unmarshal(samples[k], &exp)
		exp["id"] = json.RawMessage(strconv.Itoa(id.ID))
		e, _ := json.Marshal(exp)
		sameImage(t, got, e)
		n++
	}
	if n != len(few)+len(many) {
		t.Fatalf("%d rows read back, want %d", n, len(few)+len(many))
	}

	// Deletes, both paths.
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var keys [][]json.RawMessage
	for _, r := range append(few, many...) {
		keys = append(keys, []json.RawMessage{r[0]})
	}
	if err := DeleteRows(ctx, tx, tbl, []string{"id"}, keys[:2]); err != nil {
		t.Fatal(err)
	}
	if err := DeleteRows(ctx, tx, tbl, []string{"id"}, keys[2:]); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var left int
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM dbo.every_type").Scan(&left)
	if left != 0 {
		t.Errorf("%d rows left after deleting all", left)
	}

	t.Run("identity key", func(t *testing.T) {
		exec(t, db, "CREATE TABLE dbo.staff (staff_id int IDENTITY(1,1) NOT NULL PRIMARY KEY, name nvarchar(100) NOT NULL, name_upper AS UPPER(name), version rowversion)")
		st, err := Dialect{}.Describe(ctx, db, "dbo", "staff")
		if err != nil {
			t.Fatal(err)
		}
		names := []string{"staff_id", "name", "name_upper", "version"}
		for _, rows := range [][][]json.RawMessage{
			neutralRows(t, names, `{"staff_id":7,"name":"Ada","name_upper":"ADA","version":"AAAAAAAAB9E="}`),
			neutralRows(t, names, `{"staff_id":7,"name":"Grace"}`, `{"staff_id":9,"name":"Edsger"}`),
		} {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := UpsertRows(ctx, tx, st, []string{"staff_id"}, names, rows); err != nil {
				t.Fatal(err)
			}
			tx.Commit()
		}
		var got string
		db.QueryRowContext(ctx, "SELECT STRING_AGG(CONCAT(staff_id, '=', name_upper), ',') WITHIN GROUP (ORDER BY staff_id) FROM dbo.staff").Scan(&got)
		if got != "7=GRACE,9=EDSGER" {
			t.Errorf("staff %s, want 7=GRACE,9=EDSGER", got)
		}
	})

	t.Run("errors by number", func(t *testing.T) {
		exec(t, db, "CREATE TABLE dbo.parent (id int NOT NULL PRIMARY KEY)")
		exec(t, db, "CREATE TABLE dbo.child (id int NOT NULL PRIMARY KEY, parent_id int NOT NULL REFERENCES dbo.parent (id), code varchar(10) NOT NULL UNIQUE)")
		parent, _ := Dialect{}.Describe(ctx, db, "dbo", "parent")
		child, _ := Dialect{}.Describe(ctx, db, "dbo", "child")
		cc := []string{"id", "parent_id", "code"}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := tg.Savepoint(ctx, tx, "ferry_change"); err != nil {
			t.Fatal(err)
		}
		err = UpsertRows(ctx, tx, child, []string{"id"}, cc, neutralRows(t, cc, `{"id":1,"parent_id":5,"code":"a"}`))
		if ClassifyError(err) != ForeignKey || Doomed(err) {
			t.Fatalf("child before parent: %v is %s (doomed %v), want a foreign key, not doomed", err, ClassifyError(err), Doomed(err))
		}
		if err := tg.RollbackTo(ctx, tx, "ferry_change"); err != nil {
			t.Fatalf("the savepoint must rescue a constraint error: %v", err)
		}
		if err := UpsertRows(ctx, tx, parent, []string{"id"}, []string{"id"}, neutralRows(t, []string{"id"}, `{"id":5}`)); err != nil {
			t.Fatal(err)
		}
		if err := UpsertRows(ctx, tx, child, []string{"id"}, cc, neutralRows(t, cc, `{"id":1,"parent_id":5,"code":"a"}`)); err != nil {
			t.Fatal(err)
		}
		err = UpsertRows(ctx, tx, child, []string{"id"}, cc, neutralRows(t, cc, `{"id":2,"parent_id":5,"code":"a"}`))
		if ClassifyError(err) != Unique {
			t.Fatalf("duplicate code: %v is %s, want unique", err, ClassifyError(err))
		}
		if err := tx.Commit(); err != nil {
			t.Fatalf("after statement errors the transaction commits: %v", err)
		}

		// XACT_ABORT ON makes any error end the transaction: Doomed says so.
		tx, err = db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		exec(t, tx, "SET XACT_ABORT ON")
		_, err = tx.ExecContext(ctx, "INSERT INTO dbo.child (id, parent_id, code) VALUES (3, 99, 'z')")
		if err == nil {
			t.Fatal("no foreign key error")
		}
		err = tg.RollbackTo(ctx, tx, "ferry_change")
		if !Doomed(err) || (Dialect{}).Classify(err) != fsql.Retry {
			t.Fatalf("rollback to a savepoint of an aborted transaction: %v, want a doomed error", err)
		}
	})
	// The bookkeeping statements run in sql/dialecttest, for every dialect.
}

// TestIntegrationPurgeBacklogMark reads, purges by DELETE only, measures the
// backlog, and checks that a snapshot mark is covered once the relay has
// read past it.
func TestIntegrationPurgeBacklogMark(t *testing.T) {
	db := testDB(t, false)
	ctx := t.Context()
	captured(t, db, "CREATE TABLE dbo.k (id int NOT NULL PRIMARY KEY)", "k")
	exec(t, db, "INSERT INTO dbo.k (id) VALUES (1), (2), (3), (4), (5)")
	o := Dialect{}.Source().Outbox(db, "ferry").(*outbox)
	if n, oldest, err := o.Backlog(ctx, nil); err != nil || n != 5 || oldest.IsZero() {
		t.Fatalf("backlog %d %v %v", n, oldest, err)
	}
	mark, err := o.Mark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := o.Covers(nil, mark); ok {
		t.Fatal("the start covers a mark")
	}
	b, err := o.Read(ctx, nil, fsql.Limit{Rows: 3})
	if err != nil || len(b.Rows) != 3 {
		t.Fatalf("read %v %v", b, err)
	}
	if n, err := o.Purge(ctx, b.Next, 2); err != nil || n != 2 {
		t.Fatalf("purge %d %v", n, err)
	}
	if n, err := o.Purge(ctx, b.Next, 2); err != nil || n != 1 {
		t.Fatalf("purge %d %v", n, err)
	}
	if n, _, _ := o.Backlog(ctx, b.Next); n != 2 {
		t.Fatalf("backlog %d, want 2", n)
	}
	rows, pos := o.readAll(t, b.Next)
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	if ok, _ := o.Covers(pos, mark); !ok {
		t.Error("a position past every row does not cover the mark")
	}
	var left int
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM ferry.outbox").Scan(&left)
	if left != 2 {
		t.Errorf("%d outbox rows left, want the 2 not yet purged", left)
	}
}

// TestIntegrationMigrationLockAndDefaultSchema: the migration lock is
// taken and released on a session, and the default schema is the user's.
// (The relay's lease is tested in sql/dialecttest: TestIntegrationContract.)
func TestIntegrationMigrationLockAndDefaultSchema(t *testing.T) {
	db := testDB(t, false)
	ctx := t.Context()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	locker, _ := capture{}.MigrationLocker()
	if err := locker.SessionLock(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if err := locker.SessionUnlock(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if s, err := DefaultSchemaOf(ctx, db); err != nil || s != "dbo" {
		t.Errorf("default schema %q %v", s, err)
	}
}
