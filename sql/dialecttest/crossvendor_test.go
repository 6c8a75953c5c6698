package dialecttest_test

import (
	"bytes"
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/change"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/oracle"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
	"github.com/ferry-cdc/ferry/sql/sqlserver"
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
	var cols []fsql.Column
	var ddl, names, image []string
	for _, c := range oracleColumns {
		cols = append(cols, fsql.Column{Name: c.name, Type: c.typ, Kind: c.kind, Nullable: c.name != "ID"})
		ddl = append(ddl, strings.ToLower(c.name)+" "+c.pgType)
		names = append(names, c.name)
		image = append(image, `"`+c.name+`":`+c.image)
	}
	l := newPGLanding(t, ddl)
	src := &change.Table{Source: "hq", DB: "FREEPDB1", Schema: "HR", Name: "STAFF", Key: []string{"ID"}, Columns: cols, Values: oracle.Values{}}
	after := "{" + strings.Join(image, ",") + "}"
	p := relayed(t, src, change.OpCreate, after)
	if string(p.key) != `{"ID":42}` {
		t.Fatalf("key %s, want {\"ID\":42}", p.key)
	}
	if err := l.upsert(p, names); err != nil {
		t.Fatal(err)
	}
	for _, c := range oracleColumns {
		if got := l.text(c.name, "42"); got != c.want {
			t.Errorf("%s %s image %.80s: PostgreSQL holds %.120q, want %.120q", c.name, c.typ, c.image, got, c.want)
		}
	}
	l.delete(relayed(t, src, change.OpDelete, after))
	if n := l.count(); n != 0 {
		t.Fatalf("%d rows after the delete envelope, want 0", n)
	}
}

// sqlServerColumns are the columns of SQL Server's golden table (everyType
// in sql/sqlserver/golden_test.go), in the order of its images as the
// capture trigger writes them (sql/sqlserver/testdata/images.json), each
// with the PostgreSQL type that the type table of sql/sqlserver/README.md
// maps it to, and for each image the ::text of the value PostgreSQL holds
// once the envelope is applied ("NULL" for NULL), or "refused: " and the
// reason the PostgreSQL target gives where that table says a PostgreSQL
// target refuses the value.
var sqlServerColumns = []struct {
	name, typ, collation string
	pgType               string
	want                 [3]string
}{
	{"id", "int", "", "integer", [3]string{"1", "2", "3"}},
	{"c_bit", "bit", "", "boolean", [3]string{"true", "false", "NULL"}},
	{"c_tinyint", "tinyint", "", "smallint", [3]string{"255", "0", "NULL"}},
	{"c_smallint", "smallint", "", "smallint", [3]string{"32767", "-32768", "NULL"}},
	{"c_int", "int", "", "integer", [3]string{"2147483647", "-2147483648", "NULL"}},
	{"c_bigint", "bigint", "", "bigint", [3]string{"9223372036854775807", "-9223372036854775808", "NULL"}},
	{"c_decimal", "decimal(38,10)", "", "numeric(38,10)", [3]string{"9999999999999999999999999999.9999999999", "-9999999999999999999999999999.9999999999", "NULL"}},
	{"c_numeric", "numeric(38,0)", "", "numeric(38,0)", [3]string{"99999999999999999999999999999999999999", "-99999999999999999999999999999999999999", "NULL"}},
	{"c_fraction", "decimal(38,38)", "", "numeric(38,38)", [3]string{"0.99999999999999999999999999999999999999", "-0.00000000000000000000000000000000000001", "NULL"}},
	{"c_money", "money", "", "numeric(19,4)", [3]string{"922337203685477.5807", "-922337203685477.5808", "NULL"}},
	{"c_smallmoney", "smallmoney", "", "numeric(10,4)", [3]string{"214748.3647", "-214748.3648", "NULL"}},
	{"c_float", "float", "", "double precision", [3]string{"1.7976931348623157e+308", "-0", "NULL"}},
	{"c_real", "real", "", "real", [3]string{"3.4028235e+38", "-1.1754944e-38", "NULL"}},
	{"c_date", "date", "", "date", [3]string{"9999-12-31", "0001-01-01", "NULL"}},
	{"c_time", "time(7)", "", "time(6)", [3]string{`refused: time value "23:59:59.9999999" has 7 fractional digits of seconds; the column keeps 6`, "00:00:00", "NULL"}},
	{"c_time0", "time(0)", "", "time(0)", [3]string{"23:59:59", "00:00:00", "NULL"}},
	{"c_datetime", "datetime", "", "timestamp(3)", [3]string{"9999-12-31 23:59:59.997", "1753-01-01 00:00:00", "NULL"}},
	{"c_smalldatetime", "smalldatetime", "", "timestamp(0)", [3]string{"2079-06-06 23:59:00", "1900-01-01 00:00:00", "NULL"}},
	{"c_datetime2", "datetime2(7)", "", "timestamp(6)", [3]string{`refused: timestamp value "9999-12-31T23:59:59.9999999" has 7 fractional digits of seconds; the column keeps 6`, "0001-01-01 00:00:00", "NULL"}},
	{"c_datetime2_0", "datetime2(0)", "", "timestamp(0)", [3]string{"9999-12-31 23:59:59", "0001-01-01 00:00:00", "NULL"}},
	// timestamptz keeps the instant, not the offset (read in UTC).
	{"c_datetimeoffset", "datetimeoffset(7)", "", "timestamptz", [3]string{`refused: timestamptz value "2024-06-30T23:59:59.9999999+14:00" has 7 fractional digits of seconds; the column keeps 6`, "0001-01-01 14:00:00+00", "NULL"}},
	// char's ::text drops the padding, which both databases add.
	{"c_char", "char(10)", latin1, "char(10)", [3]string{"abc", "", "NULL"}},
	{"c_varchar", "varchar(50)", latin1, "varchar(50)", [3]string{`café / "q"`, "", "NULL"}},
	{"c_varchar_max", "varchar(max)", latin1, "text", [3]string{"x", "", "NULL"}},
	{"c_nchar", "nchar(10)", latin1, "char(10)", [3]string{"😀", "", "NULL"}},
	{"c_nvarchar", "nvarchar(100)", latin1, "varchar(100)", [3]string{"😀 beyond the BMP", "", "NULL"}},
	{"c_nvarchar_max", "nvarchar(max)", latin1, "text", [3]string{"line1\nline2\ttab", "", "NULL"}},
	{"c_binary", "binary(16)", "", "bytea", [3]string{`\x000102030405060708090a0b0c0d0e0f`, `\x00000000000000000000000000000000`, "NULL"}},
	{"c_varbinary", "varbinary(100)", "", "bytea", [3]string{`\xff`, `\x`, "NULL"}},
	{"c_varbinary_max", "varbinary(max)", "", "bytea", [3]string{`\x`, `\x00`, "NULL"}},
	{"c_uniqueidentifier", "uniqueidentifier", "", "uuid", [3]string{"6f9619ff-8b86-d011-b42d-00c04fc964ff", "00000000-0000-0000-0000-000000000000", "NULL"}},
	{"c_xml", "xml", "", "xml", [3]string{`<r a="1">x</r>`, "", "NULL"}},
	{"c_rowversion", "rowversion", "", "bytea", [3]string{`\x00000000000007d1`, `\x0000000000000001`, `\x00000000000007d3`}},
}

const latin1 = "SQL_Latin1_General_CP1_CI_AS"

// TestSQLServerEnvelopesIntoPostgres: envelopes exactly as the relay makes
// them from SQL Server's outbox (change.FromRowAt over the capture
// trigger's golden images, through sqlserver.Values, with the columns as
// the dialect describes them) apply exactly into the PostgreSQL target,
// every column of every image: each value read back from PostgreSQL is the
// SQL Server value. A value the type table says a PostgreSQL target
// refuses (a 7th fractional digit of seconds) is refused with an error
// naming table, column and key, and refuses the whole change; the row's
// other values then apply. Each delete envelope's key deletes its row.
func TestSQLServerEnvelopesIntoPostgres(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../sqlserver/testdata/images.json")
	if err != nil {
		t.Fatal(err)
	}
	var images []json.RawMessage
	if err := json.Unmarshal(raw, &images); err != nil {
		t.Fatal(err)
	}
	ct := &fsql.CatalogTable{Schema: "dbo", Name: "every_type", PrimaryKey: []string{"id"}}
	var ddl, names []string
	for _, c := range sqlServerColumns {
		cc := fsql.CatalogColumn{Name: c.name, Type: c.typ, Nullable: c.name != "id" && c.typ != "rowversion", Collation: c.collation}
		if c.collation != "" {
			cc.CodePage = 1252
		}
		ct.Columns = append(ct.Columns, cc)
		ddl = append(ddl, c.name+" "+c.pgType)
		names = append(names, c.name)
	}
	tbl, err := sqlserver.Dialect{}.Source().(interface {
		DescribeFile(*fsql.CatalogTable) (*fsql.Table, error)
	}).DescribeFile(ct)
	if err != nil {
		t.Fatal(err)
	}
	l := newPGLanding(t, ddl)
	src := &change.Table{Source: "branch", DB: "shop", Schema: "dbo", Name: "every_type", Key: []string{"id"}, Columns: tbl.Columns, Values: sqlserver.Values{}}

	if len(images) != len(sqlServerColumns[0].want) {
		t.Fatalf("images.json has %d images; the test expects %d", len(images), len(sqlServerColumns[0].want))
	}
	for i, img := range images {
		if got := memberNames(t, img); !slices.Equal(got, names) {
			t.Fatalf("image %d has columns %v; the test covers %v", i, got, names)
		}
		p := relayed(t, src, change.OpCreate, string(img))
		id := sqlServerColumns[0].want[i]
		if want := `{"id":` + id + `}`; string(p.key) != want {
			t.Fatalf("image %d: key %s, want %s", i, p.key, want)
		}
		applied := names
		for _, c := range sqlServerColumns {
			reason, refused := strings.CutPrefix(c.want[i], "refused: ")
			if !refused {
				continue
			}
			applied = slices.DeleteFunc(slices.Clone(applied), func(n string) bool { return n == c.name })
			err := l.upsert(p, []string{"id", c.name})
			var ve *fsql.ValueError
			want := `public.landing key {"id":` + id + `} column ` + c.name + ": " + reason
			if !errors.As(err, &ve) || ve.Column != c.name || err.Error() != want {
				t.Errorf("image %d, %s %s into %s: error %v, want a *sql.ValueError %q", i, c.name, c.typ, c.pgType, err, want)
			}
		}
		if len(applied) < len(names) {
			var ve *fsql.ValueError
			if err := l.upsert(p, names); !errors.As(err, &ve) {
				t.Errorf("image %d: the whole change applied (error %v); a value of it is refused", i, err)
			}
		}
		if err := l.upsert(p, applied); err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		for _, c := range sqlServerColumns {
			want := c.want[i]
			if strings.HasPrefix(want, "refused: ") {
				want = "NULL" // never written
			}
			if got := l.text(c.name, id); got != want {
				t.Errorf("image %d, %s %s into %s: PostgreSQL holds %q, want %q (image %s)", i, c.name, c.typ, c.pgType, got, want, p.image[c.name])
			}
		}
	}
	for i, img := range images {
		l.delete(relayed(t, src, change.OpDelete, string(img)))
		if n, want := l.count(), len(images)-i-1; n != want {
			t.Fatalf("%d rows after the delete envelope of image %d, want %d", n, i, want)
		}
	}
}

// memberNames lists a JSON object's member names in order.
func memberNames(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%.80s is not a JSON object", obj)
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// published is what the relay publishes for one outbox row: the message
// key and the envelope's image (its after, or its before for a delete), by
// column.
type published struct {
	key   []byte
	image map[string]json.RawMessage
}

// relayed makes the relay's events for one outbox row of src, whose image
// (after, or before for a delete) is as the source's capture trigger
// writes it, and returns what the first event publishes.
func relayed(t *testing.T, src *change.Table, op change.Op, image string) published {
	t.Helper()
	r := change.Row{Seq: 1, TxID: 7, Op: op, Ts: time.Now(), After: []byte(image)}
	if op == change.OpDelete {
		r.Before, r.After = r.After, nil
	}
	evs, err := change.FromRowAt(src, r, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		t.Fatalf("no event for op %s", op)
	}
	var env struct {
		Before map[string]json.RawMessage `json:"before"`
		After  map[string]json.RawMessage `json:"after"`
	}
	if err := json.Unmarshal(evs[0].Value, &env); err != nil {
		t.Fatal(err)
	}
	p := published{key: evs[0].Key, image: env.After}
	if op == change.OpDelete {
		p.image = env.Before
	}
	return p
}

// pgLanding is a PostgreSQL table, public.landing, that another vendor's
// envelopes land in, written by the PostgreSQL target as the applier
// writes it. Its key is its first column; a source column lands in the
// column of its name in lower case.
type pgLanding struct {
	t    *testing.T
	db   *stdsql.DB
	conn *stdsql.Conn // TimeZone UTC, for timestamptz's text
	tbl  *fsql.Table
	key  string
}

// newPGLanding creates public.landing in a fresh database, with columns
// ("name type") the first of which is its primary key.
func newPGLanding(t *testing.T, columns []string) *pgLanding {
	t.Helper()
	_, db := pgtest.NewDB(t)
	ctx := context.Background()
	pgtest.Exec(t, db, "CREATE TABLE public.landing ("+columns[0]+" PRIMARY KEY, "+strings.Join(columns[1:], ", ")+")")
	tbl, err := postgres.Dialect{}.Describe(ctx, db, "public", "landing")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	key, _, _ := strings.Cut(columns[0], " ")
	return &pgLanding{t: t, db: db, conn: conn, tbl: tbl, key: key}
}

// upsert writes the values of the source columns cols of p's image, as
// the applier does, in a transaction of its own.
func (l *pgLanding) upsert(p published, cols []string) error {
	row := make([]json.RawMessage, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		row[i], names[i] = p.image[c], strings.ToLower(c)
	}
	return l.write(func(ctx context.Context, tx *stdsql.Tx) error {
		return postgres.Dialect{}.Target().Upsert(ctx, tx, l.tbl, []string{l.key}, names, [][]json.RawMessage{row})
	})
}

// delete deletes the row of p's message key.
func (l *pgLanding) delete(p published) {
	l.t.Helper()
	var key map[string]json.RawMessage
	if err := json.Unmarshal(p.key, &key); err != nil || len(key) != 1 {
		l.t.Fatalf("message key %s is not one column's (%v)", p.key, err)
	}
	var v json.RawMessage
	for _, kv := range key {
		v = kv
	}
	if err := l.write(func(ctx context.Context, tx *stdsql.Tx) error {
		return postgres.Dialect{}.Target().Delete(ctx, tx, l.tbl, []string{l.key}, [][]json.RawMessage{{v}})
	}); err != nil {
		l.t.Fatal(err)
	}
}

func (l *pgLanding) write(f func(context.Context, *stdsql.Tx) error) error {
	ctx := context.Background()
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(ctx, tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// text is the ::text of a source column's value in the row whose key's
// text is key; "NULL" for NULL.
func (l *pgLanding) text(col, key string) string {
	l.t.Helper()
	var got *string
	q := "SELECT " + strings.ToLower(col) + "::text FROM public.landing WHERE " + l.key + "::text = $1"
	if err := l.conn.QueryRowContext(context.Background(), q, key).Scan(&got); err != nil {
		l.t.Fatalf("%s: %v", col, err)
	}
	if got == nil {
		return "NULL"
	}
	return *got
}

func (l *pgLanding) count() int {
	return pgtest.QueryValue[int](l.t, l.db, "SELECT count(*) FROM public.landing")
}
