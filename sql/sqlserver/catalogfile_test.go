package sqlserver

import (
	"reflect"
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
