// Package dialects maps a dialect name from the config to its
// implementation. Adding a database is one line in byName.
package dialects

import (
	"fmt"
	"slices"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/oracle"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/sqlserver"
)

var byName = map[string]fsql.Dialect{
	"oracle":    oracle.Dialect{},
	"postgres":  postgres.Dialect{},
	"sqlserver": sqlserver.Dialect{},
}

// planned are dialects the config may name whose implementation has not
// landed yet; naming one is a clear error, not an unknown name.
var planned = []string{}

// Lookup returns the dialect with the given name.
func Lookup(name string) (fsql.Dialect, error) {
	if d, ok := byName[name]; ok {
		return d, nil
	}
	if slices.Contains(planned, name) {
		return nil, fmt.Errorf("dialect %s is not implemented yet (supported: %s)", name, strings.Join(Names(), ", "))
	}
	if name == "" {
		return nil, fmt.Errorf("no dialect (supported: %s)", strings.Join(Names(), ", "))
	}
	return nil, fmt.Errorf("unknown dialect %q (supported: %s)", name, strings.Join(Names(), ", "))
}

// Source returns the dialect with the given name, which must be able to
// be a source.
func Source(name string) (fsql.SourceDialect, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	s, ok := d.(fsql.SourceDialect)
	if !ok {
		return nil, fmt.Errorf("dialect %s cannot be a source (sources: %s)", name, strings.Join(names(isSource), ", "))
	}
	return s, nil
}

// Target returns the dialect with the given name, which must be able to
// be a target.
func Target(name string) (fsql.TargetDialect, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	t, ok := d.(fsql.TargetDialect)
	if !ok {
		return nil, fmt.Errorf("dialect %s cannot be a target (targets: %s)", name, strings.Join(names(isTarget), ", "))
	}
	return t, nil
}

func isSource(d fsql.Dialect) bool { _, ok := d.(fsql.SourceDialect); return ok }
func isTarget(d fsql.Dialect) bool { _, ok := d.(fsql.TargetDialect); return ok }

// Known lists every name the config may use: the implemented dialects,
// sorted, then the planned ones.
func Known() []string { return append(Names(), planned...) }

// CheckRole says why the dialect called name cannot play role ("source"
// or "target"); nil when it can, or when the dialect is planned but not
// implemented (Lookup says so when it is used).
func CheckRole(name, role string) error {
	if _, ok := byName[name]; !ok {
		return nil
	}
	var err error
	if role == "source" {
		_, err = Source(name)
	} else {
		_, err = Target(name)
	}
	return err
}

// Names lists the implemented dialects, sorted.
func Names() []string { return names(func(fsql.Dialect) bool { return true }) }

func names(keep func(fsql.Dialect) bool) []string {
	var out []string
	for n, d := range byName {
		if keep(d) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
