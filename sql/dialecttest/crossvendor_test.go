package dialecttest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/change"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/oracle"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// oracleColumn is a column of the Oracle source: its type, the kind the
// Oracle catalog gives it (sql/oracle/README.md, Types), its image as the
// capture trigger writes it (sql/oracle/image.go), the PostgreSQL column
// it lands in, and that column's text in PostgreSQL once applied.
type oracleColumn struct {
	name, typ string
	kind      fsql.Kind
	image     string
	pgType    string
	want      string // ::text of the PostgreSQL value; "NULL" for NULL
}

var clob = strings.Repeat("é漢😀x", 9000) // over 32 KB of UTF-8

var oracleColumns = []oracleColumn{
	{"ID", "NUMBER(10)", fsql.KindInteger, `"42"`, "bigint", "42"},
	{"N_PLAIN", "NUMBER", fsql.KindDecimal, `"-12345678901234567890123456789012345678"`, "numeric", "-12345678901234567890123456789012345678"},
	{"N_TINY", "NUMBER", fsql.KindDecimal, `"1E-130"`, "numeric", "0." + strings.Repeat("0", 129) + "1"},
	{"N_HUGE", "NUMBER", fsql.KindDecimal, `"9.999999999999999999999999999999999999E+125"`, "numeric", "9999999999999999999999999999999999999" + strings.Repeat("0", 89)},
	{"N_MONEY", "NUMBER(12,2)", fsql.KindDecimal, `"-.5"`, "numeric(12,2)", "-0.50"},
	{"BF", "BINARY_FLOAT", fsql.KindFloat, `"3DCCCCCD"`, "real", "0.1"},
	{"BD", "BINARY_DOUBLE", fsql.KindFloat, `"3FB999999999999A"`, "double precision", "0.1"},
	{"BD_NAN", "BINARY_DOUBLE", fsql.KindFloat, `"7FF8000000000000"`, "double precision", "NaN"},
	{"BD_INF", "BINARY_DOUBLE", fsql.KindFloat, `"FFF0000000000000"`, "double precision", "-Infinity"},
	{"D", "DATE", fsql.KindTimestamp, `"2024-2-29T13:14:15"`, "timestamp(0)", "2024-02-29 13:14:15"},
	{"TS", "TIMESTAMP(6)", fsql.KindTimestamp, `"1-1-1T00:00:00.000001000"`, "timestamp(6)", "0001-01-01 00:00:00.000001"},
	// 02:30 in Paris on 2024-10-27 happens twice: the offset says which.
	{"TSTZ", "TIMESTAMP(6) WITH TIME ZONE", fsql.KindTimestampTZ, `"2024-10-27T01:30:00.250000000 +01:00 Europe/Paris"`, "timestamptz", "2024-10-27 01:30:00.25+00"},
	{"TSLTZ", "TIMESTAMP(6) WITH LOCAL TIME ZONE", fsql.KindTimestampTZ, `"2024-6-30T18:29:59.654321000 +00:00 +00:00"`, "timestamptz", "2024-06-30 18:29:59.654321+00"},
	{"IYM", "INTERVAL YEAR(2) TO MONTH", fsql.KindInterval, `"P-1Y-2M"`, "interval", "-1 years -2 mons"},
	{"IDS", "INTERVAL DAY(2) TO SECOND(6)", fsql.KindInterval, `"P3DT4H5M6.789S"`, "interval", "3 days 04:05:06.789"},
	{"V", "VARCHAR2(100 CHAR)", fsql.KindText, `"héllo \"q\" \\ 🚀"`, "varchar(100)", `héllo "q" \ 🚀`},
	{"V_NULL", "VARCHAR2(100 CHAR)", fsql.KindText, `null`, "text", "NULL"},
	{"NV", "NVARCHAR2(50)", fsql.KindText, `"naïve ☃"`, "text", "naïve ☃"},
	{"C", "CHAR(5 BYTE)", fsql.KindText, `"ab   "`, "char(5)", "ab"}, // char's ::text drops the padding
	{"DOC", "CLOB", fsql.KindText, `"` + clob + `"`, "text", clob},
	{"DOC_EMPTY", "CLOB", fsql.KindText, `""`, "text", ""},
	{"BIN", "BLOB", fsql.KindBinary, `"AP8Q/g=="`, "bytea", `\x00ff10fe`},
	{"R", "RAW(16)", fsql.KindBinary, `"3q2+7w=="`, "bytea", `\xdeadbeef`},
	{"FLAG", "BOOLEAN", fsql.KindBool, `true`, "boolean", "true"},
	{"J", "JSON", fsql.KindJSON, `{"b":[1,2.50,"x"],"a":null}`, "jsonb", `{"a": null, "b": [1, 2.50, "x"]}`},
}

// TestOracleEnvelopesIntoPostgres: envelopes exactly as the relay makes
// them from Oracle's outbox (change.FromRowAt over trigger images, through
// oracle.Values) apply exactly into the PostgreSQL target: each value read
// back from PostgreSQL is the Oracle value; a delete envelope's key deletes
// the row.
func TestOracleEnvelopesIntoPostgres(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	ctx := context.Background()
	var cols []fsql.Column
	var ddl, names, image []string
	for _, c := range oracleColumns {
		cols = append(cols, fsql.Column{Name: c.name, Type: c.typ, Kind: c.kind, Nullable: c.name != "ID"})
		ddl = append(ddl, strings.ToLower(c.name)+" "+c.pgType)
		names = append(names, c.name)
		image = append(image, `"`+c.name+`":`+c.image)
	}
	ddl[0] += " PRIMARY KEY"
	pgtest.Exec(t, db, "CREATE TABLE public.staff ("+strings.Join(ddl, ", ")+")")
	tbl, err := postgres.Dialect{}.Describe(ctx, db, "public", "staff")
	if err != nil {
		t.Fatal(err)
	}
	src := &change.Table{Source: "hq", DB: "FREEPDB1", Schema: "HR", Name: "STAFF", Key: []string{"ID"}, Columns: cols, Values: oracle.Values{}}
	after := "{" + strings.Join(image, ",") + "}"
	evs, err := change.FromRowAt(src, change.Row{Seq: 1, TxID: 7, Op: change.OpCreate, Ts: time.Now(), After: []byte(after)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || string(evs[0].Key) != `{"ID":42}` {
		t.Fatalf("events %+v, want one keyed {\"ID\":42}", evs)
	}
	var env struct {
		After map[string]json.RawMessage `json:"after"`
	}
	if err := json.Unmarshal(evs[0].Value, &env); err != nil {
		t.Fatal(err)
	}
	row := make([]json.RawMessage, len(names))
	pgNames := make([]string, len(names))
	for i, n := range names {
		row[i], pgNames[i] = env.After[n], strings.ToLower(n)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := (postgres.Dialect{}).Target().Upsert(ctx, tx, tbl, []string{"id"}, pgNames, [][]json.RawMessage{row}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	for _, c := range oracleColumns {
		var got *string
		q := "SELECT " + strings.ToLower(c.name) + "::text FROM public.staff WHERE id = 42"
		if err := conn.QueryRowContext(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		text := "NULL"
		if got != nil {
			text = *got
		}
		if text != c.want {
			t.Errorf("%s %s image %.80s: PostgreSQL holds %.120q, want %.120q", c.name, c.typ, c.image, text, c.want)
		}
	}

	// The delete's key, from the before image, deletes the row.
	evs, err = change.FromRowAt(src, change.Row{Seq: 2, TxID: 8, Op: change.OpDelete, Ts: time.Now(), Before: []byte(after)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var key map[string]json.RawMessage
	if err := json.Unmarshal(evs[0].Key, &key); err != nil {
		t.Fatal(err)
	}
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := (postgres.Dialect{}).Target().Delete(ctx, tx, tbl, []string{"id"}, [][]json.RawMessage{{key["ID"]}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := pgtest.QueryValue[int](t, db, "SELECT count(*) FROM public.staff"); n != 0 {
		t.Fatalf("%d rows after the delete envelope, want 0", n)
	}
}
