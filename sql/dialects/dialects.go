// Package dialects maps a dialect name from the config to its
// implementation. Adding a database is one line in byName.
package dialects

import (
	"fmt"
	"slices"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
)

var byName = map[string]fsql.Dialect{
	"postgres": postgres.Dialect{},
}

// planned are dialects the config accepts whose implementation has not
// landed yet; naming one is a clear error, not an unknown name.
var planned = []string{"sqlserver", "oracle"}

// Lookup returns the dialect with the given name.
func Lookup(name string) (fsql.Dialect, error) {
	if d, ok := byName[name]; ok {
		return d, nil
	}
	if slices.Contains(planned, name) {
		return nil, fmt.Errorf("dialect %s is not implemented yet (supported: %s)", name, strings.Join(Names(), ", "))
	}
	return nil, fmt.Errorf("unknown dialect %q (supported: %s)", name, strings.Join(Names(), ", "))
}

// Names lists the implemented dialects, sorted.
func Names() []string {
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
