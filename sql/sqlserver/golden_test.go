package sqlserver

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// batches joins statements into a golden file: each one a T-SQL batch
// ending with ";", separated by GO lines, as sql/grammar splits them.
func batches(stmts ...string) string {
	var b strings.Builder
	for i, s := range stmts {
		if i > 0 {
			b.WriteString("GO\n")
		}
		s = strings.TrimSpace(s)
		if !strings.HasSuffix(s, ";") {
			s += ";"
		}
		b.WriteString(s + "\n")
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sql/sqlserver -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the generated SQL (review, then go test ./sql/sqlserver -update):\n%s", path, got)
	}
}

// col builds a column as Describe would, with facts.
func col(name, typ string, nullable bool, f facts) fsql.Column {
	t, err := parseType(typ)
	if err != nil {
		panic(err)
	}
	if t.Base == "rowversion" {
		f.RowVersion = true
	}
	return fsql.Column{Name: name, Type: t.String(), Kind: kindOf(t.Base), Nullable: nullable, BaseType: t.Base, Category: f.encode()}
}

var latin1 = facts{Collation: "SQL_Latin1_General_CP1_CI_AS", CodePage: 1252}

// everyType is a table with a column of every type Ferry carries.
func everyType() *fsql.Table {
	return &fsql.Table{Schema: "dbo", Name: "every_type", PrimaryKey: []string{"id"}, Columns: []fsql.Column{
		col("id", "int", false, facts{}),
		col("c_bit", "bit", true, facts{}),
		col("c_tinyint", "tinyint", true, facts{}),
		col("c_smallint", "smallint", true, facts{}),
		col("c_int", "int", true, facts{}),
		col("c_bigint", "bigint", true, facts{}),
		col("c_decimal", "decimal(38,10)", true, facts{}),
		col("c_numeric", "numeric(38,0)", true, facts{}),
		col("c_fraction", "decimal(38,38)", true, facts{}),
		col("c_money", "money", true, facts{}),
		col("c_smallmoney", "smallmoney", true, facts{}),
		col("c_float", "float", true, facts{}),
		col("c_real", "real", true, facts{}),
		col("c_date", "date", true, facts{}),
		col("c_time", "time(7)", true, facts{}),
		col("c_time0", "time(0)", true, facts{}),
		col("c_datetime", "datetime", true, facts{}),
		col("c_smalldatetime", "smalldatetime", true, facts{}),
		col("c_datetime2", "datetime2(7)", true, facts{}),
		col("c_datetime2_0", "datetime2(0)", true, facts{}),
		col("c_datetimeoffset", "datetimeoffset(7)", true, facts{}),
		col("c_char", "char(10)", true, latin1),
		col("c_varchar", "varchar(50)", true, latin1),
		col("c_varchar_max", "varchar(max)", true, latin1),
		col("c_nchar", "nchar(10)", true, latin1),
		col("c_nvarchar", "nvarchar(100)", true, latin1),
		col("c_nvarchar_max", "nvarchar(max)", true, latin1),
		col("c_binary", "binary(16)", true, facts{}),
		col("c_varbinary", "varbinary(100)", true, facts{}),
		col("c_varbinary_max", "varbinary(max)", true, facts{}),
		col("c_uniqueidentifier", "uniqueidentifier", true, facts{}),
		col("c_xml", "xml", true, facts{}),
		col("c_rowversion", "rowversion", false, facts{}),
	}}
}

// composite has a two-column key, one of them nullable (a configured key,
// not a primary key), and a column left out of capture.
func composite() *fsql.Table {
	return &fsql.Table{Schema: "sales", Name: "order_lines", Columns: []fsql.Column{
		col("order_id", "bigint", false, facts{}),
		col("line_no", "smallint", true, facts{}),
		col("sku", "varchar(20)", false, latin1),
		col("qty", "decimal(12,3)", false, facts{}),
		col("secret", "nvarchar(50)", true, latin1),
	}}
}

// quoted has names that must be quoted: mixed case and spaces, reserved
// words, a dot (which FOR JSON PATH would nest), quotes, a backslash, a
// bracket that tries to end the name and inject a statement, a name that
// takes the trigger's marker, and text beyond the BMP.
func quoted() *fsql.Table {
	return &fsql.Table{Schema: "My Schema", Name: "x]; DROP TABLE victim; --", Columns: []fsql.Column{
		col("select", "int", false, facts{}),
		col("Order Date", "date", true, facts{}),
		col("a.b", "nvarchar(10)", true, latin1),
		col("it's \"quoted\"", "varchar(10)", true, latin1),
		col(`back\slash`, "int", true, facts{}),
		col("ferry_row", "bit", true, facts{}),
		col("emoji😀", "nvarchar(5)", true, latin1),
		col("end]; EXEC xp_cmdshell 'x'; --", "int", true, facts{}),
	}}
}

// lobs has the old large types, which a trigger cannot read from inserted.
func lobs() *fsql.Table {
	return &fsql.Table{Schema: "dbo", Name: "documents", PrimaryKey: []string{"doc_id"}, Columns: []fsql.Column{
		col("doc_id", "uniqueidentifier", false, facts{}),
		col("title", "nvarchar(200)", false, latin1),
		col("body", "text", true, latin1),
		col("body_u", "ntext", true, latin1),
		col("scan", "image", true, facts{}),
	}}
}

// targetTable has an IDENTITY key, a computed column and a rowversion,
// which a target never writes.
func targetTable() *fsql.Table {
	return &fsql.Table{Schema: "dbo", Name: "staff", PrimaryKey: []string{"staff_id"}, Columns: []fsql.Column{
		col("staff_id", "int", false, facts{Identity: true}),
		col("name", "nvarchar(100)", false, latin1),
		col("city_code", "varchar(10)", true, latin1),
		col("salary", "decimal(12,2)", true, facts{}),
		col("hired", "datetime2(3)", true, facts{}),
		col("name_upper", "nvarchar(100)", true, facts{Computed: true}),
		col("version", "rowversion", false, facts{}),
	}}
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func compact(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
