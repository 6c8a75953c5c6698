package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ferry-cdc/ferry/sql/dialects"
)

var (
	// Source and target names are Ferry's own identifiers: the first part of
	// a route's from and to, log fields, metric labels. No dots, so that
	// "hq.public.emp" splits one way only.
	validName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	// Kafka's legal topic characters; the prefix starts every topic name.
	validTopic = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	// topicUnsafe is what TopicName turns into '_'.
	topicUnsafe = regexp.MustCompile(`[^A-Za-z0-9._-]`)
)

// Validate checks what decoding cannot: names present and unique, dialects
// known, secrets set, tables well formed, routes that resolve and do not
// contradict the source's exclude and key lists. It returns every problem,
// in file order, joined with errors.Join, each an *Error naming file and line.
func (c *Config) Validate() error {
	v := &validation{file: c.File}

	if len(c.Sources) == 0 {
		v.add(0, "no sources")
	}
	sources := map[string]int{}
	for _, s := range c.Sources {
		what := v.name(s.Line, "source", s.Name, sources)
		v.dialect(s.Line, what, s.Dialect, "source")
		if s.DSN == "" {
			v.add(s.Line, "%s: no dsn (set dsn or dsn_file)", what)
		}
		if !cleanText(s.CaptureSchema) {
			v.add(s.Line, "%s: capture_schema %q holds a control character or invalid UTF-8", what, s.CaptureSchema)
		}
		if len(s.Tables) == 0 {
			v.add(s.Line, "%s: no tables", what)
		}
		tables := map[string]int{}
		for _, t := range s.Tables {
			v.table(what, t, tables)
		}
		v.topics(what, s.Tables, c.Kafka.TopicPrefix)
	}

	targets := map[string]int{}
	for _, t := range c.Targets {
		what := v.name(t.Line, "target", t.Name, targets)
		v.dialect(t.Line, what, t.Dialect, "target")
		if t.DSN == "" {
			v.add(t.Line, "%s: no dsn (set dsn or dsn_file)", what)
		}
	}

	v.kafka(c.Kafka)
	v.relay(c.Relay)

	writers := map[string]int{}
	for _, r := range c.Routes {
		v.route(c, r, writers)
	}
	v.applier(c)
	return joinSorted(v.errs)
}

type validation struct {
	file string
	errs []error
	// badPrefix is the topic prefix when it is invalid, else "".
	badPrefix string
}

func (v *validation) add(line int, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.file, Line: line, Err: fmt.Errorf(format, args...)})
}

// name checks a source or target name and returns how later messages call it.
func (v *validation) name(line int, kind, name string, seen map[string]int) string {
	switch prev, dup := seen[name]; {
	case name == "":
		v.add(line, "%s without a name", kind)
		return kind
	case !validName.MatchString(name):
		v.add(line, "%s name %q may hold only letters, digits, '_' and '-'", kind, name)
	case dup:
		v.add(line, "%s %s is already defined at line %d", kind, name, prev)
	default:
		seen[name] = line
	}
	return kind + " " + name
}

// dialect checks a dialect's name against sql/dialects, the one list of
// them, and that it can play role.
func (v *validation) dialect(line int, what, dialect, role string) {
	known := dialects.Known()
	switch {
	case dialect == "":
		v.add(line, "%s: no dialect (known: %s)", what, strings.Join(known, ", "))
	case !slices.Contains(known, dialect):
		v.add(line, "%s: unknown dialect %q (known: %s)", what, dialect, strings.Join(known, ", "))
	default:
		if err := dialects.CheckRole(dialect, role); err != nil {
			v.add(line, "%s: %v", what, err)
		}
	}
}

func (v *validation) table(src string, t Table, seen map[string]int) {
	ref := t.ref()
	switch schema, name, dotted := strings.Cut(t.Name, "."); {
	case t.Name == "":
		v.add(t.Line, "%s: table without a name", src)
		return
	case !cleanText(t.Name) || !cleanText(t.Schema):
		v.add(t.Line, "%s: table name %q holds a control character or invalid UTF-8", src, ref)
		return
	case t.Schema == "" && dotted && (schema == "" || name == ""):
		v.add(t.Line, "%s: table name %q has an empty schema or table part (use schema: and name: for a table name with dots)", src, t.Name)
		return
	}
	if t.Topic != "" && !validTopic.MatchString(t.Topic) {
		v.add(t.Line, "%s table %s: topic %q may hold only letters, digits, '.', '_' and '-'", src, ref, t.Topic)
	}
	what := src + ": table " + ref
	if prev, dup := seen[ref]; dup {
		v.add(t.Line, "%s is already listed at line %d", what, prev)
	} else {
		seen[ref] = t.Line
	}

	keys := v.columns(t.Line, what, "key", t.Key)
	for _, x := range v.columns(t.Line, what, "exclude", t.Exclude) {
		if slices.Contains(keys, x) {
			v.add(t.Line, "%s: key column %q is also excluded: a key must leave the source", what, x)
		}
	}
}

// topics finds tables of one source whose changes would go to one topic,
// which the relay refuses to start with. A table named without a schema
// gets the dialect's default schema, which config does not know: it is
// compared only with the other tables named without one.
func (v *validation) topics(src string, tables []Table, prefix string) {
	type owner struct {
		ref  string
		line int
	}
	seen := map[string]owner{}
	for _, t := range tables {
		if t.Name == "" || !cleanText(t.Name) || !cleanText(t.Schema) {
			continue // reported by table
		}
		topic, key := t.Topic, t.Topic
		if topic == "" {
			schema, name := t.Schema, t.Name
			if schema == "" {
				if s, n, ok := strings.Cut(t.Name, "."); ok {
					schema, name = s, n
				}
			}
			topic = TopicName(prefix, schema, name)
			key = topic
			if schema == "" {
				key = "\x00" + topic // never a qualified table's topic
				topic = strings.Replace(topic, "..", ".<default schema>.", 1)
			}
		}
		prev, ok := seen[key]
		switch {
		case !ok:
			seen[key] = owner{t.ref(), t.Line}
		case prev.ref != t.ref(): // a table listed twice is reported by table
			v.add(t.Line, "%s: tables %s (line %d) and %s would share topic %s: give one of them a topic:",
				src, prev.ref, prev.line, t.ref(), topic)
		}
	}
}

// TopicName is the default topic of a table: <prefix>.<schema>.<table>,
// with characters Kafka does not allow in a name turned into '_'.
func TopicName(prefix, schema, name string) string {
	return prefix + "." + topicUnsafe.ReplaceAllString(schema, "_") + "." + topicUnsafe.ReplaceAllString(name, "_")
}

// columns checks a list of column names and returns the well-formed ones,
// each once.
func (v *validation) columns(line int, what, list string, cols []string) []string {
	var ok []string
	for _, c := range cols {
		switch {
		case c == "":
			v.add(line, "%s: %s column with an empty name", what, list)
		case !cleanText(c):
			v.add(line, "%s: %s column %q holds a control character or invalid UTF-8", what, list, c)
		case slices.Contains(ok, c):
			v.add(line, "%s: %s column %q listed twice", what, list, c)
		default:
			ok = append(ok, c)
		}
	}
	return ok
}

func (v *validation) kafka(k Kafka) {
	if len(k.Brokers) == 0 {
		v.add(k.Line, "kafka: no brokers")
	}
	for _, b := range k.Brokers {
		if strings.TrimSpace(b) == "" {
			v.add(k.Line, "kafka: empty broker address")
		}
	}
	if !validTopic.MatchString(k.TopicPrefix) {
		v.badPrefix = k.TopicPrefix
		v.add(k.Line, "kafka: topic_prefix %q may hold only letters, digits, '.', '_' and '-'", k.TopicPrefix)
	}
	if _, ok := k.Properties["bootstrap.servers"]; ok {
		// Two places for one setting would leave the reader guessing which wins.
		v.add(k.Line, "kafka: set brokers, not properties bootstrap.servers")
	}
	if k.MaxMessageBytes < 1024 || k.MaxMessageBytes > MaxMaxMessageBytes {
		v.add(k.Line, "kafka: max_message_bytes %d: want 1024 to %d (512 MiB)", k.MaxMessageBytes, MaxMaxMessageBytes)
	}
	for _, p := range []string{"message.max.bytes", "max.message.bytes"} {
		if _, ok := k.Properties[p]; ok {
			// One setting sizes the topics, the producers and the consumers together.
			v.add(k.Line, "kafka: set max_message_bytes, not properties %s", p)
		}
	}
}

func (v *validation) route(c *Config, r Route, writers map[string]int) {
	what := "route from " + r.From
	var table *Table
	if r.From == "" {
		what = "route"
		v.add(r.Line, "route without from (want <source>.<schema>.<table>)")
	} else {
		name, ref := r.SplitFrom()
		switch src, ok := c.Source(name); {
		case !ok:
			v.add(r.Line, "%s: unknown source %s", what, name)
		case ref == "":
			v.add(r.Line, "%s: names no table (want <source>.<schema>.<table>)", what)
		default:
			if table, ok = src.Table(ref); !ok {
				v.add(r.Line, "%s: %s does not capture %s", what, name, ref)
			}
		}
	}

	if r.To == "" {
		v.add(r.Line, "%s: no to (want <target>.<schema>.<table>)", what)
	} else {
		name, ref := r.SplitTo()
		switch _, ok := c.Target(name); {
		case !ok:
			v.add(r.Line, "%s: unknown target %s", what, name)
		case ref == "":
			v.add(r.Line, "%s: to %s names no table (want <target>.<schema>.<table>)", what, r.To)
		}
		// Two writers of one table would fight over its rows: a delete from
		// one source removes what the other still has.
		if prev, dup := writers[r.To]; dup {
			v.add(r.Line, "routes at lines %d and %d both write %s", prev, r.Line, r.To)
		} else {
			writers[r.To] = r.Line
		}
	}

	var keys, excluded []string
	if table != nil {
		keys, excluded = table.Key, table.Exclude
	}
	var dropped []string
	for _, d := range r.Drop {
		switch {
		case d == "":
			v.add(r.Line, "%s: drop: column with an empty name", what)
		case slices.Contains(dropped, d):
			v.add(r.Line, "%s: drop: column %q listed twice", what, d)
		case slices.Contains(excluded, d):
			v.add(r.Line, "%s: drops column %q, which the source excludes: it never leaves the source", what, d)
		case slices.Contains(keys, d):
			v.add(r.Line, "%s: drops key column %q: the target needs the key to apply updates and deletes", what, d)
		default:
			dropped = append(dropped, d)
		}
	}

	// written maps each target column a rename produces to its source
	// column. Key columns that are not renamed keep their name, so a rename
	// onto one of them is a collision as well.
	written := map[string]string{}
	for _, k := range keys {
		if _, renamed := r.Columns[k]; !renamed {
			written[k] = k
		}
	}
	for _, from := range slices.Sorted(maps.Keys(r.Columns)) {
		to := r.Columns[from]
		switch prev, dup := written[to]; {
		case from == "" || to == "":
			v.add(r.Line, "%s: columns: rename %q to %q: empty column name", what, from, to)
		case slices.Contains(excluded, from):
			v.add(r.Line, "%s: renames column %q, which the source excludes: it never leaves the source", what, from)
		case slices.Contains(dropped, from):
			v.add(r.Line, "%s: column %q is both renamed and dropped", what, from)
		case dup:
			v.add(r.Line, "%s: columns %q and %q both map to %q", what, prev, from, to)
		default:
			written[to] = from
		}
	}
	for _, col := range slices.Sorted(maps.Keys(r.Constants)) {
		switch from, ok := written[col]; {
		case col == "":
			v.add(r.Line, "%s: constants: column with an empty name", what)
		case ok && from == col:
			v.add(r.Line, "%s: constant %q would overwrite key column %q", what, col, col)
		case ok:
			v.add(r.Line, "%s: constant %q collides with column %q renamed to it", what, col, from)
		}
	}
}

// cleanText rejects what no quoting makes safe in a name: NUL and other
// control characters, and bytes that are not UTF-8.
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}
