package sqlserver

import (
	"reflect"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// TestDescribeFileReadsTypesAsDescribe: a catalog file's table comes out
// as Describe gives the same table from sys.columns, type by type, and a
// type written without its lengths gets SQL Server's defaults.
func TestDescribeFileReadsTypesAsDescribe(t *testing.T) {
	t.Parallel()
	for _, want := range []*fsql.Table{everyType(), targetTable(), lobs()} {
		ct := &fsql.CatalogTable{Schema: want.Schema, Name: want.Name, PrimaryKey: want.PrimaryKey}
		for _, c := range want.Columns {
			f := factsOf(c)
			ct.Columns = append(ct.Columns, fsql.CatalogColumn{Name: c.Name, Type: c.Type, Nullable: c.Nullable,
				Identity: f.Identity, Computed: f.Computed, Collation: f.Collation, CodePage: f.CodePage})
		}
		got, err := source{}.DescribeFile(ct)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range want.Columns {
			g := got.Columns[i]
			// col() leaves out what only Describe's mapping adds.
			g.Generated, g.Default, g.Identity = false, false, ""
			if !reflect.DeepEqual(g, c) {
				t.Errorf("%s.%s: %+v, want %+v", want, c.Name, g, c)
			}
		}
		if len(want.PrimaryKey) > 0 && (len(got.Unique) != 1 || !reflect.DeepEqual(got.Unique[0].Columns, want.PrimaryKey)) {
			t.Errorf("%s: unique indexes %+v, want the primary key's", want, got.Unique)
		}
	}
	defaults := map[string]string{
		"decimal": "decimal(18,0)", "numeric": "numeric(18,0)", "datetime2": "datetime2(7)", "time": "time(7)",
		"datetimeoffset": "datetimeoffset(7)", "varchar": "varchar(1)", "nchar": "nchar(1)", "binary": "binary(1)",
		"nvarchar(max)": "nvarchar(max)", "timestamp": "rowversion", "float": "float", "real": "real",
	}
	for in, want := range defaults {
		got, err := source{}.DescribeFile(&fsql.CatalogTable{Schema: "dbo", Name: "t", Columns: []fsql.CatalogColumn{{Name: "c", Type: in}}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Columns[0].Type != want {
			t.Errorf("%s reads as %s, want %s", in, got.Columns[0].Type, want)
		}
	}
	if _, err := (source{}).DescribeFile(&fsql.CatalogTable{Schema: "dbo", Name: "t", Columns: []fsql.CatalogColumn{{Name: "c", Type: "varchar(x)"}}}); err == nil {
		t.Error("varchar(x) accepted")
	}
}

// TestDescribeFileRefusesWhatCreateTableWould: a type SQL Server does not
// have, lengths beyond its limits and names longer than a sysname are
// refused, with the column's place in the file; the limits themselves
// pass.
func TestDescribeFileRefusesWhatCreateTableWould(t *testing.T) {
	t.Parallel()
	for typ, want := range map[string]string{
		"intt": "unknown SQL Server type intt", "decimal(39,2)": "precision 39", "numeric(50)": "precision 50",
		"varchar(8001)": "length 8001", "varbinary(9000)": "length 9000", "nvarchar(4001)": "length 4001",
		"nchar(4001)": "length 4001", "char(max)": "char(max)", "binary(max)": "binary(max)", "nchar(max)": "nchar(max)",
	} {
		ct := &fsql.CatalogTable{Schema: "dbo", Name: "t", Columns: []fsql.CatalogColumn{{Name: "c", Type: typ, At: "cat.yml:7"}}}
		_, err := source{}.DescribeFile(ct)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "cat.yml:7: table dbo.t column c: ") {
			t.Errorf("%s: %v, want cat.yml:7 ... %s", typ, err, want)
		}
	}
	for _, typ := range []string{"decimal(38,38)", "varchar(8000)", "varbinary(max)", "nvarchar(4000)", "nchar(4000)",
		"nvarchar(max)", "timestamp", "rowversion", "geography", "sql_variant", "json"} {
		ct := &fsql.CatalogTable{Schema: "dbo", Name: "t", Columns: []fsql.CatalogColumn{{Name: "c", Type: typ}}}
		if _, err := (source{}).DescribeFile(ct); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
	}
	long := strings.Repeat("é", 129)
	ct := &fsql.CatalogTable{Schema: "dbo", Name: long, At: "cat.yml:3", Columns: []fsql.CatalogColumn{{Name: long, Type: "int", At: "cat.yml:5"}},
		Unique: []fsql.CatalogUnique{{Name: long, Columns: []string{long}, At: "cat.yml:4"}}}
	_, err := source{}.DescribeFile(ct)
	for _, want := range []string{"cat.yml:3: table dbo.", "cat.yml:4: table dbo.", "cat.yml:5: table dbo.", "129 characters long; SQL Server allows 128"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("129-character names: %v, want %q", err, want)
		}
	}
	if ok := strings.Repeat("é", 128); func() error {
		_, err := source{}.DescribeFile(&fsql.CatalogTable{Schema: "dbo", Name: ok, Columns: []fsql.CatalogColumn{{Name: ok, Type: "int"}}})
		return err
	}() != nil {
		t.Error("a 128-character name refused")
	}
}
