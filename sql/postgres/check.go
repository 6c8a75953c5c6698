package postgres

import (
	"fmt"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Check refuses what the triggers cannot capture exactly: tables whose
// rows statements can change without firing their triggers, key columns
// whose equal values print differently (one row would get several Kafka
// keys, on different partitions, and lose its order), and excluded columns
// that cannot be blanked.
func (capture) Check(t *fsql.Table, key, exclude []string) (errs []error, gaps []string) {
	switch {
	case t.PartitionOf != "":
		errs = append(errs, fmt.Errorf("it is a partition of %s: capture %s, which captures each of its partitions", t.PartitionOf, t.PartitionOf))
	case len(t.InheritsFrom) > 0:
		errs = append(errs, fmt.Errorf("it inherits from %s: a statement naming the parent changes this table's rows without firing its statement-level triggers, "+
			"so Ferry does not capture tables in an inheritance hierarchy (declarative partitioning is captured)", strings.Join(t.InheritsFrom, ", ")))
	case len(t.Inheritors) > 0:
		errs = append(errs, fmt.Errorf("it has inheritance children (%s): a statement naming it changes their rows too, its transition tables do not say "+
			"which table a row is in, and a unique index does not span them, so Ferry does not capture tables in an inheritance hierarchy "+
			"(declarative partitioning is captured)", strings.Join(t.Inheritors, ", ")))
	}
	if _, ok := t.Column(JSONTexts); ok {
		errs = append(errs, fmt.Errorf("column %s: Ferry reserves the name in its images; rename the column", JSONTexts))
	}
	for _, k := range key {
		c, ok := t.Column(k)
		if !ok {
			continue
		}
		if why := keyProblem(c); why != "" {
			errs = append(errs, fmt.Errorf("key column %s (%s) cannot be a key: %s; configure another key", c.Name, c.Type, why))
		}
	}
	for _, x := range exclude {
		if c, ok := t.Column(x); ok && c.RefusesNull {
			errs = append(errs, fmt.Errorf("excluded column %s cannot be excluded: its type %s does not accept NULL, "+
				"and the trigger blanks excluded columns with NULL before the image leaves the table", c.Name, c.Type))
		}
	}
	if t.Partitioned {
		gaps = append(gaps, "ATTACH PARTITION adds a table's rows, and DETACH or DROP of a partition removes its rows, "+
			"without a change being captured")
	}
	return errs, gaps
}

// keyProblem says why values of a column cannot make a Kafka key, which
// must be one text per row whatever the session: equal values must print
// alike, or be made to by the relay (numeric scale, float -0, timestamptz
// offsets).
func keyProblem(c fsql.Column) string {
	switch {
	case c.Array:
		return "equal arrays can print differently (their elements' forms, their bounds)"
	case c.BaseType == "json" || c.BaseType == "xml":
		return c.BaseType + " has no equality, so it cannot identify a row"
	case c.BaseType == "jsonb":
		return "jsonb values that compare equal can print differently (1.0 and 1.00)"
	case c.Kind == fsql.KindInterval:
		return "interval values that compare equal print differently ('1 day' and '24 hours', '1 mon' and '30 days')"
	case c.Nondeterministic:
		return "its collation is nondeterministic: texts that compare equal (by case or accent) print differently"
	case c.BaseType == "bpchar" && c.Type == "bpchar":
		return "bpchar without a length compares ignoring trailing spaces but keeps them, so equal values print differently"
	}
	return ""
}
