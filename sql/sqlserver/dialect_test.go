package sqlserver

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	mssql "github.com/microsoft/go-mssqldb"

	fsql "github.com/ferry-cdc/ferry/sql"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ dsn, want string }{
		{"sqlserver://sa:S3cr%3Bet%40x@db1:1433?database=shop&encrypt=true",
			"sqlserver://sa:xxxxx@db1:1433?database=shop&encrypt=true"},
		{"sqlserver://app@db1/SQLEXPRESS?database=shop", "sqlserver://app@db1/SQLEXPRESS?database=shop"},
		{`server=db1,1433;user id=sa;password="pa;ss""word";database=shop`, "sqlserver://sa:xxxxx@db1:1433?database=shop"},
		{"odbc:server=db1;user id=sa;password={p@ss;wo}}rd};database=shop", "sqlserver://sa:xxxxx@db1?database=shop"},
		// go-mssqldb reads uid and pwd only in the ADO form; in ODBC they are
		// other keys, and pwd is still hidden.
		{"odbc:server=db1;uid=sa;pwd={p@ss;wo}}rd}", "sqlserver://db1?pwd=xxxxx&uid=sa"},
		{"server=db1;uid=sa;pwd=p@ss;initial catalog=shop", "sqlserver://sa:xxxxx@db1?database=shop"},
		{"sqlserver://db1?database=shop&fedauth=ActiveDirectoryServicePrincipal&user+id=app&password=topsecret",
			"sqlserver://app:xxxxx@db1?database=shop&fedauth=ActiveDirectoryServicePrincipal"},
	} {
		got := Redact(tc.dsn)
		if got != tc.want {
			t.Errorf("Redact(%q) = %s, want %s", tc.dsn, got, tc.want)
		}
		for _, secret := range []string{"S3cr", "pa;ss", "p@ss", "topsecret", "word"} {
			if strings.Contains(got, secret) {
				t.Errorf("Redact(%q) shows %q: %s", tc.dsn, secret, got)
			}
		}
	}
	if got := Redact("sqlserver://sa:hunter2@db1:notaport"); strings.Contains(got, "hunter2") {
		t.Errorf("an invalid DSN is shown: %s", got)
	}
}

func TestOpenHidesTheDSN(t *testing.T) {
	t.Parallel()
	_, err := Dialect{}.Open("sqlserver://sa:hunter2@db1:notaport?database=x")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("got %v, want an error that does not show the DSN", err)
	}
	db, err := Dialect{}.Open("sqlserver://sa:hunter2@127.0.0.1:1?database=x")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

func TestParseType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]colType{
		"decimal(38,10)":    {Base: "decimal", Precision: 38, Scale: 10},
		"NUMERIC(5, 0)":     {Base: "numeric", Precision: 5},
		"nvarchar(max)":     {Base: "nvarchar", Length: maxLength},
		"varbinary(16)":     {Base: "varbinary", Length: 16},
		"datetime2(0)":      {Base: "datetime2"},
		"datetimeoffset(7)": {Base: "datetimeoffset", Scale: 7},
		"rowversion":        {Base: "rowversion"},
	} {
		got, err := parseType(in)
		if err != nil || got != want {
			t.Errorf("parseType(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"decimal(10,20)", "varchar(x)", "time(8)", "int(4)", "varchar(10"} {
		if got, err := parseType(bad); err == nil {
			t.Errorf("parseType(%q) = %+v, want an error", bad, got)
		}
	}
}

// TestCatalogColumn maps catalog rows (as describeColumns returns them) to
// the type as printed, the kind, and the facts a target needs.
func TestCatalogColumn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		row        catalogColumn
		typ        string
		kind       fsql.Kind
		f          facts
		checkError string
	}{
		{row: catalogColumn{base: "int", maxLength: 4, precision: 10, identity: true}, typ: "int", kind: fsql.KindInteger, f: facts{Identity: true}},
		{row: catalogColumn{base: "bit", maxLength: 1, precision: 1, nullable: true}, typ: "bit", kind: fsql.KindBool},
		{row: catalogColumn{base: "decimal", maxLength: 17, precision: 38, scale: 10}, typ: "decimal(38,10)", kind: fsql.KindDecimal},
		{row: catalogColumn{base: "money", maxLength: 8, precision: 19, scale: 4}, typ: "money", kind: fsql.KindDecimal},
		{row: catalogColumn{base: "float", maxLength: 8, precision: 53}, typ: "float", kind: fsql.KindFloat},
		{row: catalogColumn{base: "real", maxLength: 4, precision: 24}, typ: "real", kind: fsql.KindFloat},
		{row: catalogColumn{base: "datetime2", maxLength: 8, precision: 27, scale: 7}, typ: "datetime2(7)", kind: fsql.KindTimestamp},
		{row: catalogColumn{base: "datetimeoffset", maxLength: 10, precision: 34, scale: 7}, typ: "datetimeoffset(7)", kind: fsql.KindTimestampTZ},
		{row: catalogColumn{base: "time", maxLength: 5, precision: 16, scale: 7}, typ: "time(7)", kind: fsql.KindTime},
		{row: catalogColumn{base: "smalldatetime", maxLength: 4}, typ: "smalldatetime", kind: fsql.KindTimestamp},
		{row: catalogColumn{base: "varchar", maxLength: 50, collation: "SQL_Latin1_General_CP1_CI_AS", codePage: 1252},
			typ: "varchar(50)", kind: fsql.KindText, f: facts{Collation: "SQL_Latin1_General_CP1_CI_AS", CodePage: 1252}},
		{row: catalogColumn{base: "nvarchar", maxLength: -1, collation: "Latin1_General_CI_AS", codePage: 1252},
			typ: "nvarchar(max)", kind: fsql.KindText, f: facts{Collation: "Latin1_General_CI_AS", CodePage: 1252}},
		{row: catalogColumn{base: "nchar", maxLength: 20, collation: "Latin1_General_CI_AS", codePage: 1252},
			typ: "nchar(10)", kind: fsql.KindText, f: facts{Collation: "Latin1_General_CI_AS", CodePage: 1252}},
		{row: catalogColumn{base: "varbinary", maxLength: -1}, typ: "varbinary(max)", kind: fsql.KindBinary},
		{row: catalogColumn{base: "binary", maxLength: 16}, typ: "binary(16)", kind: fsql.KindBinary},
		{row: catalogColumn{base: "timestamp", maxLength: 8}, typ: "rowversion", kind: fsql.KindBinary, f: facts{RowVersion: true}},
		{row: catalogColumn{base: "uniqueidentifier", maxLength: 16}, typ: "uniqueidentifier", kind: fsql.KindUUID},
		{row: catalogColumn{base: "xml", maxLength: -1}, typ: "xml", kind: fsql.KindText},
		{row: catalogColumn{base: "text", maxLength: 16, collation: "Latin1_General_CI_AS", codePage: 1252},
			typ: "text", kind: fsql.KindText, f: facts{Collation: "Latin1_General_CI_AS", CodePage: 1252}},
		{row: catalogColumn{base: "image", maxLength: 16}, typ: "image", kind: fsql.KindBinary},
		{row: catalogColumn{base: "int", computed: true, def: ""}, typ: "int", kind: fsql.KindInteger, f: facts{Computed: true}},
		{row: catalogColumn{base: "datetime2", scale: 7, generated: 1}, typ: "datetime2(7)", kind: fsql.KindTimestamp, f: facts{Generated: true}},
		{row: catalogColumn{base: "int", def: "((0))"}, typ: "int", kind: fsql.KindInteger, f: facts{Default: "((0))"}},
		{row: catalogColumn{base: "sql_variant", maxLength: 8016}, typ: "sql_variant", checkError: "carry their own type"},
		{row: catalogColumn{base: "varbinary", assembly: true, userType: "hierarchyid"}, typ: "hierarchyid", checkError: "ToString"},
		{row: catalogColumn{base: "varbinary", assembly: true, userType: "geography"}, typ: "geography", checkError: "STAsText"},
		{row: catalogColumn{base: "varbinary", assembly: true, userType: "geometry"}, typ: "geometry", checkError: "STAsText"},
		{row: catalogColumn{base: "varbinary", assembly: true, userType: "MyClrType"}, typ: "MyClrType", f: facts{CLR: true}, checkError: "CLR user-defined type"},
	} {
		tc.row.name = "c"
		c := tc.row.column()
		if c.Type != tc.typ || c.Kind != tc.kind || factsOf(c) != tc.f {
			t.Errorf("%+v: got %s %s %+v, want %s %s %+v", tc.row, c.Type, c.Kind, factsOf(c), tc.typ, tc.kind, tc.f)
		}
		err := source{}.CheckType(c)
		switch {
		case tc.checkError == "" && err != nil:
			t.Errorf("%s: CheckType: %v", c.Type, err)
		case tc.checkError != "" && (err == nil || !strings.Contains(err.Error(), tc.checkError)):
			t.Errorf("%s: CheckType = %v, want an error saying %q", c.Type, err, tc.checkError)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	chain := func(ns ...int32) error {
		var all []mssql.Error
		for _, n := range ns {
			all = append(all, mssql.Error{Number: n, Class: 16})
		}
		last := all[len(all)-1]
		last.All = all
		return fmt.Errorf("route r: %w", last)
	}
	for _, tc := range []struct {
		err    error
		want   Class
		doomed bool
	}{
		{chain(547, 3621), ForeignKey, false},
		{chain(2627, 3621), Unique, false},
		{chain(2601), Unique, false},
		{chain(1205), Retry, true},
		{chain(1222), Retry, false},
		{chain(3930), Retry, true},
		{chain(3931), Retry, true},
		{chain(3998), Retry, true},
		{chain(40613), Retry, false},
		{chain(515), Reject, false},
		{chain(2628), Reject, false},
		{chain(8115), Reject, false},
		{chain(9455), Reject, false},
		{mssql.Error{Number: 0, Message: "server does not have an active transaction"}, Retry, true},
		{mssql.Error{Number: 50123, Class: 20}, Retry, false},
		{&ValueError{Table: "t", Column: "c", Key: "{}", Err: errors.New("x")}, Reject, false},
		{&net.OpError{Op: "read", Err: errors.New("connection reset")}, Retry, false},
		{fmt.Errorf("roll back: %w", errDoomed), Retry, true},
		{errors.New("something else"), Retry, false},
	} {
		if got := ClassifyError(tc.err); got != tc.want {
			t.Errorf("%v: class %s, want %s", tc.err, got, tc.want)
		}
		if got := Doomed(tc.err); got != tc.doomed {
			t.Errorf("%v: doomed %v, want %v", tc.err, got, tc.doomed)
		}
	}
	if (Dialect{}).Classify(chain(2627)) != fsql.Unique || (Dialect{}).Classify(chain(547)) != fsql.ForeignKey ||
		(Dialect{}).Classify(chain(207)) != fsql.Schema || (Dialect{}).Classify(chain(4712)) != fsql.ForeignKey {
		t.Error("the contract's classes are wrong")
	}
}

func TestSavepointNames(t *testing.T) {
	t.Parallel()
	if q, err := savepointSQL("SAVE", "ferry_change"); err != nil || q != "SAVE TRANSACTION ferry_change" {
		t.Errorf("got %q, %v", q, err)
	}
	for _, bad := range []string{"", "a b", "x]; DROP TABLE t; --", strings.Repeat("a", 33)} {
		if _, err := savepointSQL("SAVE", bad); err == nil {
			t.Errorf("savepoint %q accepted", bad)
		}
	}
}
