package config

import (
	"fmt"
	"slices"
	"time"

	"github.com/robfig/cron/v3"
)

// The words rules and lookups accept, for Validate and for the packages
// applier/rule and applier/lookup, which check against the same lists.
var (
	RuleActions     = []string{"reject", "skip", "hold"}
	LookupOnMissing = []string{"reject", "null", "keep"}
	TruncateActions = []string{TruncateDelete, TruncateTruncate, TruncateReject}
)

// What a route does with a truncate of its source table.
const (
	// TruncateDelete deletes the rows the route writes: every row, or with
	// constants only the rows that carry them.
	TruncateDelete = "delete"
	// TruncateTruncate truncates the target table.
	TruncateTruncate = "truncate"
	// TruncateReject sends the truncate to the DLQ; the target keeps its rows.
	TruncateReject = "reject"
)

// DefaultLookupRefresh is when a query lookup runs again unless it says.
const DefaultLookupRefresh = "@every 5m"

// maxTopicLength is Kafka's limit on a topic name.
const maxTopicLength = 249

// applierDefaults fills in the apply section and the routes' rules and
// lookups where the file is silent.
func (c *Config) applierDefaults() {
	a := &c.Apply
	if a.GroupID == "" {
		a.GroupID = "ferry-apply"
	}
	if a.BatchSize == 0 {
		a.BatchSize = 5000
	}
	if a.BatchTimeout == 0 {
		a.BatchTimeout = 20 * time.Millisecond
	}
	if a.DLQTopic == "" {
		a.DLQTopic = c.Kafka.TopicPrefix + "._dlq"
	}
	if a.ForeignKeyWait == 0 {
		a.ForeignKeyWait = time.Minute
	}
	if a.UniqueWait == 0 {
		a.UniqueWait = time.Minute
	}
	if a.SchemaWait == 0 {
		a.SchemaWait = time.Minute
	}
	for i := range c.Routes {
		r := &c.Routes[i]
		if r.Truncate == "" {
			r.Truncate = TruncateDelete
		}
		for j := range r.Rules {
			if r.Rules[j].Action == "" {
				r.Rules[j].Action = "reject"
			}
		}
		for j := range r.Lookups {
			l := &r.Lookups[j]
			if l.OnMissing == "" {
				l.OnMissing = "reject"
			}
			// An inline map is never refreshed; a refresh on one is an error.
			if l.Refresh == "" && l.Query != "" {
				l.Refresh = DefaultLookupRefresh
			}
		}
	}
}

// applier checks the apply section and every route's rules and lookups. The
// expressions themselves are compiled by package applier/rule when the
// applier starts.
func (v *validation) applier(c *Config) {
	a := c.Apply
	if !cleanText(a.GroupID) {
		v.add(a.Line, "apply: group_id %q holds a control character or invalid UTF-8", a.GroupID)
	}
	if a.BatchSize < 1 || a.BatchSize > 100_000 {
		v.add(a.Line, "apply: batch_size %d: want 1 to 100000", a.BatchSize)
	}
	if a.BatchTimeout <= 0 {
		v.add(a.Line, "apply: batch_timeout %s: want more than 0", a.BatchTimeout)
	}
	for _, w := range []struct {
		key string
		d   time.Duration
	}{{"foreign_key_wait", a.ForeignKeyWait}, {"unique_wait", a.UniqueWait}, {"schema_wait", a.SchemaWait}} {
		if w.d <= 0 {
			v.add(a.Line, "apply: %s %s: want more than 0", w.key, w.d)
		}
	}
	// A default derived from a bad topic_prefix is reported there, once.
	switch {
	case a.DLQTopic == v.badPrefix+"._dlq" && v.badPrefix != "":
	case !validTopic.MatchString(a.DLQTopic) || a.DLQTopic == "." || a.DLQTopic == "..":
		v.add(a.Line, "apply: dlq_topic %q may hold only letters, digits, '.', '_' and '-'", a.DLQTopic)
	case len(a.DLQTopic) > maxTopicLength:
		v.add(a.Line, "apply: dlq_topic is %d characters long; Kafka allows %d", len(a.DLQTopic), maxTopicLength)
	case a.DLQTopic == c.Relay.OffsetsTopic:
		v.add(a.Line, "apply: dlq_topic %q is also the relay's offsets_topic", a.DLQTopic)
	}

	for _, r := range c.Routes {
		v.rulesAndLookups(c, r)
	}
}

func (v *validation) rulesAndLookups(c *Config, r Route) {
	what := "route"
	if r.From != "" {
		what = "route from " + r.From
	}

	if !slices.Contains(TruncateActions, r.Truncate) {
		v.add(r.Line, "%s: unknown truncate %q (want delete, truncate or reject)", what, r.Truncate)
	}
	if r.Truncate == TruncateTruncate && len(r.Constants) > 0 {
		v.add(r.Line, "%s: truncate: truncate would remove rows that do not carry the route's constants; use delete to remove only the rows the route writes, or reject", what)
	}

	rules := map[string]int{}
	for _, rule := range r.Rules {
		name := v.item(rule.Line, what, "rule", "a name", rule.Name, rules)
		if rule.When == "" {
			v.add(rule.Line, "%s: %s: no when (an expression, such as salary > 10000)", what, name)
		}
		if !slices.Contains(RuleActions, rule.Action) {
			v.add(rule.Line, "%s: %s: unknown action %q (want reject, skip or hold)", what, name, rule.Action)
		}
	}

	var excluded []string
	source, ref := r.SplitFrom()
	if src, ok := c.Source(source); ok {
		if t, ok := src.Table(ref); ok {
			excluded = t.Exclude
		}
	}
	columns := map[string]int{}
	for _, l := range r.Lookups {
		name := v.item(l.Line, what, "lookup", "a column", l.Column, columns)
		switch {
		case len(l.Map) > 0 && l.Query != "":
			v.add(l.Line, "%s: %s: both map and query; keep one", what, name)
		case len(l.Map) == 0 && l.Query == "":
			v.add(l.Line, "%s: %s: neither map nor query; set one", what, name)
		case len(l.Map) > 0 && l.Refresh != "":
			v.add(l.Line, "%s: %s: refresh is for a query; an inline map never changes", what, name)
		case l.Query != "":
			if _, err := cron.ParseStandard(l.Refresh); err != nil {
				v.add(l.Line, "%s: %s: refresh %q: %v", what, name, l.Refresh, err)
			}
		}
		if !slices.Contains(LookupOnMissing, l.OnMissing) {
			v.add(l.Line, "%s: %s: unknown on_missing %q (want reject, null or keep)", what, name, l.OnMissing)
		}
		switch {
		case slices.Contains(excluded, l.Column):
			v.add(l.Line, "%s: %s: the source excludes the column: it never leaves the source", what, name)
		case slices.Contains(r.Drop, l.Column):
			v.add(l.Line, "%s: %s: the route drops the column", what, name)
		}
	}
}

// item checks the name of a rule or a lookup, unique within its route, and
// returns how later messages call it.
func (v *validation) item(line int, route, kind, want, name string, seen map[string]int) string {
	switch prev, dup := seen[name]; {
	case name == "":
		v.add(line, "%s: %s without %s", route, kind, want)
		return kind
	case !cleanText(name):
		v.add(line, "%s: %s %q holds a control character or invalid UTF-8", route, kind, name)
	case dup:
		v.add(line, "%s: %s %s is already defined at line %d", route, kind, name, prev)
	default:
		seen[name] = line
	}
	return fmt.Sprintf("%s %s", kind, name)
}
