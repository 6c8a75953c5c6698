package config

import "fmt"

// Error is one problem in a config file, placed by file and line so that an
// operator can go straight to it. Parse and Validate return several of them
// joined with errors.Join; errors.As finds the first.
type Error struct {
	File string
	// Line is 0 when the problem has no single place, such as a missing section.
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
