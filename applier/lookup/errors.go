package lookup

import (
	"errors"
	"fmt"
)

// ErrNotLoaded is returned by Apply for a query-backed lookup whose table
// Start has not loaded: the caller must Start the Set first.
var ErrNotLoaded = errors.New("table not loaded (Start has not run)")

// MissingError is a value with no entry in a lookup whose on_missing is
// reject: the change cannot apply until the entry exists.
type MissingError struct {
	Route, Column, Value string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("route %s: lookup %s: no entry for %q", e.Route, e.Column, e.Value)
}
