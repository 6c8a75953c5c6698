package sqlserver

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// colType is a column's type as Describe prints it ("decimal(38,10)",
// "nvarchar(max)", "datetime2(7)"), taken apart.
type colType struct {
	// Base is the lower-case system type: "decimal", "nvarchar", "rowversion".
	Base string
	// Length is characters for char, varchar, nchar and nvarchar, bytes for
	// binary and varbinary; maxLength for (max); 0 where the type has none.
	Length int
	// Precision and Scale for decimal and numeric; Scale is the fractional
	// seconds digits for time, datetime2 and datetimeoffset.
	Precision, Scale int
}

// maxLength marks (max) in colType.Length.
const maxLength = -1

// parseType reads a type as Describe prints it.
func parseType(s string) (colType, error) {
	base, args, _ := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "(")
	t := colType{Base: strings.TrimSpace(base)}
	if args == "" {
		return t, nil
	}
	args, ok := strings.CutSuffix(args, ")")
	if !ok {
		return t, fmt.Errorf("type %q: unbalanced parenthesis", s)
	}
	nums := strings.Split(args, ",")
	vals := make([]int, len(nums))
	for i, n := range nums {
		n = strings.TrimSpace(n)
		if n == "max" {
			vals[i] = maxLength
			continue
		}
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 {
			return t, fmt.Errorf("type %q: %q is not a length", s, n)
		}
		vals[i] = v
	}
	switch {
	case (t.Base == "decimal" || t.Base == "numeric") && len(vals) == 2 && vals[0] > 0:
		t.Precision, t.Scale = vals[0], vals[1]
	case (t.Base == "decimal" || t.Base == "numeric") && len(vals) == 1 && vals[0] > 0:
		t.Precision = vals[0]
	case (t.Base == "time" || t.Base == "datetime2" || t.Base == "datetimeoffset") && len(vals) == 1 && vals[0] >= 0 && vals[0] <= 7:
		t.Scale = vals[0]
	case lengthTypes[t.Base] && len(vals) == 1 && vals[0] != 0:
		t.Length = vals[0]
	default:
		return t, fmt.Errorf("type %q has arguments Ferry does not understand", s)
	}
	if t.Scale > t.Precision && t.Precision > 0 {
		return t, fmt.Errorf("type %q: scale above precision", s)
	}
	return t, nil
}

var lengthTypes = map[string]bool{
	"char": true, "varchar": true, "nchar": true, "nvarchar": true, "binary": true, "varbinary": true,
}

// String prints the type as Describe does, in a form CREATE TABLE accepts.
func (t colType) String() string {
	switch {
	case t.Base == "decimal" || t.Base == "numeric":
		return fmt.Sprintf("%s(%d,%d)", t.Base, t.Precision, t.Scale)
	case t.Base == "time" || t.Base == "datetime2" || t.Base == "datetimeoffset":
		return fmt.Sprintf("%s(%d)", t.Base, t.Scale)
	case lengthTypes[t.Base] && t.Length == maxLength:
		return t.Base + "(max)"
	case lengthTypes[t.Base]:
		return fmt.Sprintf("%s(%d)", t.Base, t.Length)
	}
	return t.Base
}

// kinds maps SQL Server's system types to the envelope's kinds.
var kinds = map[string]fsql.Kind{
	"bit":     fsql.KindBool,
	"tinyint": fsql.KindInteger, "smallint": fsql.KindInteger, "int": fsql.KindInteger, "bigint": fsql.KindInteger,
	"decimal": fsql.KindDecimal, "numeric": fsql.KindDecimal, "money": fsql.KindDecimal, "smallmoney": fsql.KindDecimal,
	"float": fsql.KindFloat, "real": fsql.KindFloat,
	"date":     fsql.KindDate,
	"time":     fsql.KindTime,
	"datetime": fsql.KindTimestamp, "smalldatetime": fsql.KindTimestamp, "datetime2": fsql.KindTimestamp,
	"datetimeoffset": fsql.KindTimestampTZ,
	"char":           fsql.KindText, "varchar": fsql.KindText, "nchar": fsql.KindText, "nvarchar": fsql.KindText,
	"text": fsql.KindText, "ntext": fsql.KindText, "xml": fsql.KindText,
	"binary": fsql.KindBinary, "varbinary": fsql.KindBinary, "image": fsql.KindBinary, "rowversion": fsql.KindBinary,
	"uniqueidentifier": fsql.KindUUID,
	"json":             fsql.KindJSON,
}

// unsupported explains the types Ferry refuses to capture.
var unsupported = map[string]string{
	"sql_variant": "its values carry their own type row by row, and the envelope has one kind per column; " +
		"exclude the column, or capture a computed column that converts it",
	"hierarchyid": "a CLR type whose binary form only SQL Server reads; exclude the column, " +
		"or capture a computed nvarchar column of its ToString()",
	"geography": "a CLR spatial type; exclude the column, or capture a computed column of its STAsText() or STAsBinary()",
	"geometry":  "a CLR spatial type; exclude the column, or capture a computed column of its STAsText() or STAsBinary()",
	"vector":    "the envelope has no vector kind yet; exclude the column",
}

// kindOf is the envelope kind of a type, "" when Ferry cannot carry it.
func kindOf(base string) fsql.Kind { return kinds[base] }

// CheckType refuses the types whose values the envelope cannot carry
// exactly, with the reason and what to do instead.
func (source) CheckType(c fsql.Column) error {
	t, err := parseType(c.Type)
	if err != nil {
		return err
	}
	if why, ok := unsupported[t.Base]; ok {
		return fmt.Errorf("type %s cannot be carried: %s", c.Type, why)
	}
	if f := factsOf(c); f.CLR {
		return fmt.Errorf("type %s is a CLR user-defined type, which Ferry cannot carry; exclude the column", c.Type)
	}
	if kindOf(t.Base) == "" {
		return fmt.Errorf("type %s is not supported: the change envelope cannot carry it exactly; exclude the column", c.Type)
	}
	return nil
}

// facts are what a column's type alone does not say, from the catalog:
// they decide which columns a target may write and how a string is encoded.
// Describe keeps them in Column.Category (a dialect-specific, unstored field)
// as URL query text, until the contract has fields of its own for them.
type facts struct {
	Identity   bool // an IDENTITY column: written with SET IDENTITY_INSERT, never updated
	Computed   bool // a computed column: never written
	Generated  bool // GENERATED ALWAYS (temporal period, ledger): never written
	RowVersion bool // rowversion: never written
	CLR        bool // a CLR user-defined type
	Collation  string
	CodePage   int    // of Collation, for char and varchar; 65001 is UTF-8
	Default    string // the default's definition, "" when none
}

// writable is false for the columns a target never writes.
func (f facts) writable() bool { return !f.Computed && !f.Generated && !f.RowVersion }

func (f facts) encode() string {
	v := url.Values{}
	for _, b := range []struct {
		name string
		on   bool
	}{{"identity", f.Identity}, {"computed", f.Computed}, {"generated", f.Generated}, {"rowversion", f.RowVersion}, {"clr", f.CLR}} {
		if b.on {
			v.Set(b.name, "1")
		}
	}
	if f.Collation != "" {
		v.Set("collation", f.Collation)
		v.Set("codepage", strconv.Itoa(f.CodePage))
	}
	if f.Default != "" {
		v.Set("default", f.Default)
	}
	return v.Encode()
}

// factsOf reads what Describe recorded in c.Category. A column read back
// from the registry has none, which is right for the source side.
func factsOf(c fsql.Column) facts {
	v, err := url.ParseQuery(c.Category)
	if err != nil {
		return facts{}
	}
	cp, _ := strconv.Atoi(v.Get("codepage"))
	return facts{
		Identity: v.Get("identity") == "1", Computed: v.Get("computed") == "1",
		Generated: v.Get("generated") == "1", RowVersion: v.Get("rowversion") == "1", CLR: v.Get("clr") == "1",
		Collation: v.Get("collation"), CodePage: cp, Default: v.Get("default"),
	}
}
