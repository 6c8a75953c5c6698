package oracle

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// oraType is a column type as Describe prints it in Column.Type, parsed.
type oraType struct {
	// Base is the type without its parameters: NUMBER, FLOAT, VARCHAR2,
	// "TIMESTAMP WITH TIME ZONE", "INTERVAL DAY TO SECOND", ...; for a
	// user-defined type, OWNER.NAME.
	Base string
	// Precision is NUMBER's p (0: none), FLOAT's binary precision, the
	// fractional seconds of a TIMESTAMP, and the leading field precision of
	// an INTERVAL.
	Precision int
	// Scale is NUMBER's s (HasScale says whether it is set) and the
	// fractional seconds of an INTERVAL DAY TO SECOND.
	Scale    int
	HasScale bool
	// Length is the declared length of a character or RAW type; Char says
	// that it counts characters, not bytes.
	Length int
	Char   bool
}

var (
	reNumber   = regexp.MustCompile(`^NUMBER(?:\((\*|\d+)(?:,\s*(-?\d+))?\))?$`)
	reFloat    = regexp.MustCompile(`^FLOAT(?:\((\d+)\))?$`)
	reLength   = regexp.MustCompile(`^(VARCHAR2|NVARCHAR2|CHAR|NCHAR|RAW|VARCHAR)(?:\((\d+)(?:\s+(BYTE|CHAR))?\))?$`)
	reTime     = regexp.MustCompile(`^TIMESTAMP(?:\((\d)\))?( WITH TIME ZONE| WITH LOCAL TIME ZONE)?$`)
	reInterval = regexp.MustCompile(`^INTERVAL (YEAR|DAY)(?:\((\d)\))? TO (MONTH|SECOND)(?:\((\d)\))?$`)
)

// parseType reads Column.Type. Unknown types parse as their whole text.
func parseType(s string) oraType {
	s = strings.ToUpper(strings.Join(strings.Fields(s), " "))
	if m := reNumber.FindStringSubmatch(s); m != nil {
		t := oraType{Base: "NUMBER"}
		if m[1] != "" && m[1] != "*" {
			t.Precision, _ = strconv.Atoi(m[1])
		}
		if m[1] != "" {
			t.HasScale = true
			if m[2] != "" {
				t.Scale, _ = strconv.Atoi(m[2])
			}
		}
		return t
	}
	if m := reFloat.FindStringSubmatch(s); m != nil {
		t := oraType{Base: "FLOAT", Precision: 126}
		if m[1] != "" {
			t.Precision, _ = strconv.Atoi(m[1])
		}
		return t
	}
	if m := reLength.FindStringSubmatch(s); m != nil {
		t := oraType{Base: m[1]}
		if t.Base == "VARCHAR" {
			t.Base = "VARCHAR2"
		}
		t.Length = 1
		if m[2] != "" {
			t.Length, _ = strconv.Atoi(m[2])
		}
		t.Char = m[3] == "CHAR" || t.Base == "NVARCHAR2" || t.Base == "NCHAR"
		return t
	}
	if m := reTime.FindStringSubmatch(s); m != nil {
		t := oraType{Base: "TIMESTAMP" + m[2], Precision: 6}
		if m[1] != "" {
			t.Precision, _ = strconv.Atoi(m[1])
		}
		return t
	}
	if m := reInterval.FindStringSubmatch(s); m != nil {
		t := oraType{Base: "INTERVAL " + m[1] + " TO " + m[3], Precision: 2}
		if m[2] != "" {
			t.Precision, _ = strconv.Atoi(m[2])
		}
		if m[3] == "SECOND" {
			t.Scale, t.HasScale = 6, true
			if m[4] != "" {
				t.Scale, _ = strconv.Atoi(m[4])
			}
		}
		return t
	}
	return oraType{Base: s}
}

// typeText prints a type from ALL_TAB_COLS' fields, as Column.Type holds it.
func typeText(dataType, owner string, precision, scale *int64, length, charLength int64, charUsed string) string {
	p := func(v *int64) string { return strconv.FormatInt(*v, 10) }
	switch dataType {
	case "NUMBER":
		switch {
		case precision == nil && scale == nil:
			return "NUMBER"
		case precision == nil:
			return "NUMBER(*," + p(scale) + ")"
		case scale == nil || *scale == 0:
			return "NUMBER(" + p(precision) + ")"
		default:
			return "NUMBER(" + p(precision) + "," + p(scale) + ")"
		}
	case "FLOAT":
		if precision != nil {
			return "FLOAT(" + p(precision) + ")"
		}
		return "FLOAT(126)"
	case "VARCHAR2", "CHAR":
		unit := "BYTE"
		n := length
		if charUsed == "C" {
			unit, n = "CHAR", charLength
		}
		return fmt.Sprintf("%s(%d %s)", dataType, n, unit)
	case "NVARCHAR2", "NCHAR":
		return fmt.Sprintf("%s(%d)", dataType, charLength)
	case "RAW":
		return fmt.Sprintf("RAW(%d)", length)
	}
	if owner != "" && owner != "SYS" && owner != "PUBLIC" {
		return owner + "." + dataType
	}
	return dataType
}

// kindOf classifies a type: how its values travel in the change envelope.
// Types the envelope cannot carry have no kind; refusal says why.
func kindOf(t oraType) fsql.Kind {
	switch t.Base {
	case "NUMBER":
		// NUMBER(p) and NUMBER(p,s) with s <= 0 hold integers of at most
		// p-s digits: within int64 when that is 18 or fewer.
		if t.Precision > 0 && t.HasScale && t.Scale <= 0 && t.Precision-t.Scale <= 18 {
			return fsql.KindInteger
		}
		return fsql.KindDecimal
	case "FLOAT":
		// FLOAT(b) is a decimal NUMBER rounded to b bits' worth of digits.
		return fsql.KindDecimal
	case "BINARY_FLOAT", "BINARY_DOUBLE":
		return fsql.KindFloat
	case "DATE", "TIMESTAMP":
		// A DATE has a time of day to the second and no zone.
		return fsql.KindTimestamp
	case "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE":
		return fsql.KindTimestampTZ
	case "INTERVAL YEAR TO MONTH", "INTERVAL DAY TO SECOND":
		return fsql.KindInterval
	case "VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR", "CLOB", "NCLOB":
		return fsql.KindText
	case "RAW", "BLOB":
		return fsql.KindBinary
	case "BOOLEAN":
		return fsql.KindBool
	case "JSON":
		return fsql.KindJSON
	}
	return ""
}

// refusals explain the types Ferry does not carry.
var refusals = map[string]string{
	"LONG": "LONG is deprecated, and a trigger can read at most 32760 bytes of it, so longer values would be cut; " +
		"convert the column to CLOB (ALTER TABLE ... MODIFY (col CLOB)) or exclude it",
	"LONG RAW": "LONG RAW is deprecated, and a trigger can read at most 32760 bytes of it, so longer values would be cut; " +
		"convert the column to BLOB (ALTER TABLE ... MODIFY (col BLOB)) or exclude it",
	"BFILE": "a BFILE points at a file outside the database; the file's bytes are not part of the row and " +
		"change without any DML, so no trigger sees them; exclude the column",
	"ROWID":  "a ROWID is the physical address of a row in this database and means nothing anywhere else; exclude the column",
	"UROWID": "a UROWID is the address of a row in this database and means nothing anywhere else; exclude the column",
	"XMLTYPE": "XMLTYPE values are not carried: their text depends on the storage model and the session's serialisation; " +
		"exclude the column, or keep the XML in a CLOB, which travels as text",
	"SYS.XMLTYPE": "XMLTYPE values are not carried: their text depends on the storage model and the session's serialisation; " +
		"exclude the column, or keep the XML in a CLOB, which travels as text",
	"VECTOR":      "VECTOR (23ai) has no exact neutral form yet; exclude the column",
	"MLSLABEL":    "MLSLABEL is a Trusted Oracle label, not data; exclude the column",
	"ANYDATA":     "ANYDATA holds a value of any type with no fixed form; exclude the column",
	"SYS.ANYDATA": "ANYDATA holds a value of any type with no fixed form; exclude the column",
	"MDSYS.SDO_GEOMETRY": "spatial objects (SDO_GEOMETRY) are object types, which Ferry does not carry; " +
		"exclude the column or keep a WKT/GeoJSON copy in a CLOB",
}

// checkType refuses types whose values the envelope cannot carry exactly.
func checkType(c fsql.Column) error {
	t := parseType(c.Type)
	if why, ok := refusals[t.Base]; ok {
		return fmt.Errorf("type %s cannot be carried: %s", c.Type, why)
	}
	if strings.HasPrefix(t.Base, "REF ") || strings.Contains(t.Base, ".") {
		return fmt.Errorf("type %s is a user-defined type (object, VARRAY, nested table or REF), "+
			"which Ferry does not carry; exclude the column", c.Type)
	}
	if kindOf(t) == "" {
		return fmt.Errorf("type %s is not supported: the change envelope cannot carry it exactly; exclude the column", c.Type)
	}
	return nil
}

// keyable reports whether a column of this type can be part of the change
// key: LOBs and JSON cannot (Oracle refuses them in a primary key, and the
// trigger compares key values).
func keyable(t oraType) bool {
	switch t.Base {
	case "CLOB", "NCLOB", "BLOB", "JSON":
		return false
	}
	return kindOf(t) != ""
}
