package postgres

import fsql "github.com/ferry-cdc/ferry/sql"

// maxBytes bounds one value of column c, declared with typmod, as text in
// the change envelope: JSON escapes can make one character six bytes
// (\u0001). Text, bytea, json, jsonb, xml, arrays and lengthless varchar,
// bpchar and varbit are bounded only by PostgreSQL's 1 GB per value
// (TOAST); so is a domain, whose length lives in the domain, not the column.
func maxBytes(c fsql.Column, typmod int32) int64 {
	if c.Array {
		return fsql.Unbounded
	}
	switch c.BaseType {
	case "varchar", "bpchar":
		if typmod < 4 {
			return fsql.Unbounded
		}
		return 6*int64(typmod-4) + 2 // characters, each escaped at worst
	case "bit", "varbit":
		if typmod < 0 {
			return fsql.Unbounded
		}
		return int64(typmod) + 2
	case "numeric":
		if typmod < 4 {
			// 131072 digits before the point and 16383 after, sign and point.
			return 147_460
		}
		return int64((typmod-4)>>16) + 5
	case "name":
		return 6*63 + 2
	case "interval":
		return 128
	}
	switch c.Kind {
	case fsql.KindText:
		if c.Category == "eE" {
			return 6*63 + 2 // an enum label is at most 63 bytes
		}
		if c.BaseType == "char" || c.BaseType == "inet" || c.BaseType == "cidr" || c.BaseType == "macaddr" || c.BaseType == "macaddr8" {
			return 64
		}
		return fsql.Unbounded // text, xml
	case fsql.KindBinary, fsql.KindJSON:
		return fsql.Unbounded
	}
	return 64 // numbers, dates, times, uuid, bool: short fixed forms
}
