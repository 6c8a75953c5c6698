// Package lookup replaces a source column's values with the target system's
// values for them (a city code with the target's city id), from an inline
// map or from a query on the target that is run again on a schedule. Values
// are compared as text, and a reloaded table replaces the old one in a
// single step, so a change is never mapped against half a table.
package lookup
