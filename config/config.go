package config

import (
	"strings"
	"time"
)

// Config is one ferry.yaml: where changes come from, where they go, and the
// Kafka cluster in between. Load parses, expands and decodes it strictly;
// Validate reports every problem at once.
type Config struct {
	// File is the path the config was read from, used in error messages.
	File string `yaml:"-"`

	Sources []Source `yaml:"sources"`
	Targets []Target `yaml:"targets"`
	Kafka   Kafka    `yaml:"kafka"`
	Routes  []Route  `yaml:"routes"`
	Relay   Relay    `yaml:"relay"`
	Apply   Apply    `yaml:"apply"`
}

// Source is a database whose tables are captured by triggers into its outbox.
type Source struct {
	// Name is Ferry's name for the database: letters, digits, _ and -.
	Name string `yaml:"name"`
	// Dialect names the database's dialect, lowercased by Parse.
	Dialect string `yaml:"dialect"`
	DSN     DSN    `yaml:"dsn"`
	// DSNFile names a file holding the DSN, relative to the config file's
	// directory; Parse reads it into DSN.
	DSNFile string `yaml:"dsn_file"`
	// CaptureSchema holds the outbox, the registry and the trigger functions
	// (PostgreSQL schema, SQL Server schema, Oracle user). Default "ferry".
	CaptureSchema string  `yaml:"capture_schema"`
	Tables        []Table `yaml:"tables"`

	Line int `yaml:"-"`
}

// Table is one captured table of a source.
type Table struct {
	// Name is "schema.table", split at its first dot, or "table", meaning
	// the dialect's default schema. When Schema is set, Name is the bare
	// table name and may hold dots. Names are matched exactly, case
	// included, and may hold spaces or reserved words: quoting is Ferry's job.
	Name string `yaml:"name"`
	// Schema, when set, is the table's schema, for names a dot would split wrongly.
	Schema string `yaml:"schema"`
	// Key names the columns that identify a row when the table has no primary key.
	Key []string `yaml:"key"`
	// Exclude names columns whose values must never leave the source.
	Exclude []string `yaml:"exclude"`
	// Topic overrides the table's topic, <prefix>.<schema>.<table> by default.
	Topic string `yaml:"topic"`

	Line int `yaml:"-"`
}

// Target is a database that changes are applied to.
type Target struct {
	Name    string `yaml:"name"`
	Dialect string `yaml:"dialect"`
	DSN     DSN    `yaml:"dsn"`
	DSNFile string `yaml:"dsn_file"`

	Line int `yaml:"-"`
}

// Kafka is the cluster between relays and appliers.
type Kafka struct {
	Brokers []string `yaml:"brokers"`
	// TopicPrefix starts every change topic: <prefix>.<schema>.<table>. Default "ferry".
	TopicPrefix string `yaml:"topic_prefix"`
	// Properties are librdkafka properties passed through as they are
	// (security.protocol, sasl.*, ssl.*, tuning). Printing them hides the
	// values of secret ones such as sasl.password.
	Properties Properties `yaml:"properties"`
	// MaxMessageBytes is the largest change Ferry carries, as one Kafka
	// message's key, value and headers before compression. The topics Ferry
	// creates allow it (max.message.bytes), its producers and consumers are
	// sized for it, and a change above it stops the relay, naming the change.
	// Default 16 MiB.
	MaxMessageBytes int `yaml:"max_message_bytes"`

	Line int `yaml:"-"`
}

// Route sends one captured source table to one target table.
type Route struct {
	// From is "<source>.<table>", a table captured by that source, named as
	// the source lists it: "hq.public.emp" for a table listed as public.emp.
	From string `yaml:"from"`
	// To is "<target>.<schema>.<table>", or "<target>.<table>" for the
	// target dialect's default schema.
	To string `yaml:"to"`
	// Columns renames source columns to target columns; unnamed columns keep their name.
	Columns map[string]string `yaml:"columns"`
	// Drop names source columns that are not written to the target.
	Drop []string `yaml:"drop"`
	// Constants are target columns set to a fixed value on every write.
	Constants map[string]string `yaml:"constants"`
	// Rules check each change before it is applied, in order; the first
	// that fires decides.
	Rules []Rule `yaml:"rules"`
	// Lookups replace a source column's value with the target system's
	// value for it (a city code with a city id), before renaming.
	Lookups []Lookup `yaml:"lookups"`
	// Truncate is what a TRUNCATE of the source table does to the target
	// table: delete (the rows this route writes: every row, or with
	// constants the rows that carry them; the default), truncate (TRUNCATE
	// the target table) or reject (to the DLQ; the target keeps its rows).
	Truncate string `yaml:"truncate"`

	Line int `yaml:"-"`
}

// Rule is a business rule on one route.
type Rule struct {
	// Name names the rule in errors, metrics and DLQ headers.
	Name string `yaml:"name"`
	// When is an expression (expr-lang) over the change's columns, by their
	// source names, plus op ("c", "u", "d", "r"); the rule fires when it is
	// true. Examples: salary > 10000; born > date("2007-01-01"); id < 0;
	// email == nil || phone == nil.
	When string `yaml:"when"`
	// Action is what a firing rule does: reject (to the DLQ, the default),
	// skip (drop the change and count it) or hold (keep it until a later
	// change of the same key passes, which supersedes it).
	Action string `yaml:"action"`

	Line int `yaml:"-"`
}

// Lookup maps one column's values between systems.
type Lookup struct {
	// Column is the source column whose value is looked up and replaced.
	Column string `yaml:"column"`
	// Map is an inline table from source value to target value.
	Map map[string]string `yaml:"map"`
	// Query reads the table from the target instead: its first two columns
	// are the source value and the target value.
	Query string `yaml:"query"`
	// Refresh is when Query runs again, in cron syntax or @every <duration>.
	// Default "@every 5m".
	Refresh string `yaml:"refresh"`
	// OnMissing is what a value with no entry does: reject (to the DLQ, the
	// default), null (write NULL) or keep (write the source value).
	OnMissing string `yaml:"on_missing"`

	Line int `yaml:"-"`
}

// Apply tunes `ferry apply`. Every field has a default.
type Apply struct {
	// GroupID is the Kafka consumer group; appliers with the same group share
	// the work. Default ferry-apply.
	GroupID string `yaml:"group_id"`
	// BatchSize is the most changes applied in one target transaction. Default 5000.
	BatchSize int `yaml:"batch_size"`
	// BatchTimeout is the longest a batch gathers changes while more keep
	// coming; a batch is applied as soon as no more are waiting. Default 20ms.
	BatchTimeout time.Duration `yaml:"batch_timeout"`
	// DLQTopic receives the changes that can never apply as they are.
	// Default <topic_prefix>._dlq.
	DLQTopic string `yaml:"dlq_topic"`
	// ForeignKeyWait is how long a change that breaks a foreign key (a child
	// before its parent) is retried before it counts as a failure. Default 1m.
	ForeignKeyWait time.Duration `yaml:"foreign_key_wait"`
	// UniqueWait is how long a change that gives a unique column a value
	// another row still holds (values moving between rows in one source
	// transaction) is retried before it counts as a failure. Default 1m.
	UniqueWait time.Duration `yaml:"unique_wait"`
	// SchemaWait is how long a partition waits at a change carrying a column
	// the target table lacks, re-reading the target's catalog, before such
	// changes go to the DLQ. Default 1m.
	SchemaWait time.Duration `yaml:"schema_wait"`

	Line int `yaml:"-"`
}

// Relay tunes `ferry relay`. Every field has a default.
type Relay struct {
	// PollInterval is the longest an idle relay waits before looking at the
	// outbox again; it looks sooner while changes keep coming. Default 50ms.
	PollInterval time.Duration `yaml:"poll_interval"`
	// TransactionGap is the least time between one Kafka transaction's
	// commit and the read for the next, unless changes wait behind a full
	// batch or a snapshot has chunks to read. In that time the broker
	// finishes the commit (writes its markers); a transaction begun sooner
	// has its partitions refused with CONCURRENT_TRANSACTIONS, which
	// librdkafka retries only after 20 ms.
	// It also bounds how many transactions a second a steady trickle of
	// changes costs the broker. Default 15ms (docs/benchmarks.md).
	TransactionGap time.Duration `yaml:"transaction_gap"`
	// BatchSize is the most changes produced in one Kafka transaction, except
	// that one statement's chunk of changes (up to 1,000 on PostgreSQL) is
	// never split. Default 5000.
	BatchSize int `yaml:"batch_size"`
	// BatchBytes bounds the changes read into one batch by their size in
	// the outbox (a batch holds at least one change, however large), so that
	// a burst of large documents does not fill the relay's memory. Default 64 MiB.
	BatchBytes int64 `yaml:"batch_bytes"`
	// PurgeSchedule says when rows already in Kafka are deleted from the
	// outbox, in cron syntax or @every <duration>. Default "@every 1m".
	PurgeSchedule string `yaml:"purge_schedule"`
	// PurgeBatch is how many rows one purge statement deletes. Default 5000.
	PurgeBatch int `yaml:"purge_batch"`
	// TopicPartitions is the partition count of topics the relay creates. Default 3.
	TopicPartitions int `yaml:"topic_partitions"`
	// TopicReplicationFactor of topics the relay creates; -1 takes the
	// broker's default. Default -1.
	TopicReplicationFactor int `yaml:"topic_replication_factor"`
	// OffsetsTopic holds each relay's position, written in the same Kafka
	// transaction as the changes it covers. Default <prefix>._relay_offsets.
	OffsetsTopic string `yaml:"offsets_topic"`
	// LeaseRetry is how often a standby relay tries to take over. Default 1s.
	LeaseRetry time.Duration `yaml:"lease_retry"`
	// Heartbeat is how often the leading relay writes a heartbeat through
	// the outbox, which every applier records when it arrives: the lag of
	// each source and target pair, known even while no data changes. 0
	// turns heartbeats off; nil means the default, 5s. HeartbeatEvery reads it.
	Heartbeat *time.Duration `yaml:"heartbeat"`

	Line int `yaml:"-"`
}

// DSN is a connection string. It prints, logs and marshals with its password
// replaced by xxxxx, so a DSN can be logged or wrapped into an error without
// leaking the secret; Secret returns it as written, for the driver.
type DSN string

// Defaults used where the file is silent.
const (
	DefaultCaptureSchema   = "ferry"
	DefaultTopicPrefix     = "ferry"
	DefaultMaxMessageBytes = 16 << 20
	// MaxMaxMessageBytes bounds max_message_bytes: librdkafka's own
	// message.max.bytes stops at 1,000,000,000, with room for the overhead.
	MaxMaxMessageBytes = 512 << 20
)

// Namer turns the names a config writes into the names the catalog holds
// (sql.Names): a bare table name is in the dialect's default schema (public,
// dbo, the connected user), an unquoted name is folded as the dialect folds
// it (Oracle upper-cases), a name in double quotes is exact.
type Namer interface {
	Table(schema, table string) (string, string)
	Name(name string) string
	// All is each of names as Name gives it; nil stays nil.
	All(names []string) []string
}

// Qualified returns the table's schema and name as the catalog holds them.
func (t Table) Qualified(n Namer) (schema, table string) {
	schema, table = t.Schema, t.Name
	if schema == "" {
		if s, name, ok := strings.Cut(t.Name, "."); ok {
			schema, table = s, name
		}
	}
	return n.Table(schema, table)
}

// ref is the table as routes name it: "schema.table", or "table" when the
// config leaves the schema to the dialect.
func (t Table) ref() string {
	if t.Schema != "" {
		return t.Schema + "." + t.Name
	}
	return t.Name
}

// TableRef is a captured table with its schema resolved.
type TableRef struct {
	Schema, Table string
	Key, Exclude  []string
	Line          int
}

// Resolve returns the source's tables, their key and excluded columns, as
// the catalog holds them. The caller knows the dialect; config does not
// know vendors.
func (s *Source) Resolve(n Namer) []TableRef {
	refs := make([]TableRef, 0, len(s.Tables))
	for _, t := range s.Tables {
		schema, table := t.Qualified(n)
		refs = append(refs, TableRef{
			Schema:  schema,
			Table:   table,
			Key:     n.All(t.Key),
			Exclude: n.All(t.Exclude),
			Line:    t.Line,
		})
	}
	return refs
}

// Table returns the captured table that a route names ref, written as the
// source lists it: "schema.table" or "table".
func (s *Source) Table(ref string) (*Table, bool) {
	for i := range s.Tables {
		if s.Tables[i].ref() == ref {
			return &s.Tables[i], true
		}
	}
	return nil, false
}

// Source returns the source called name.
func (c *Config) Source(name string) (*Source, bool) {
	for i := range c.Sources {
		if c.Sources[i].Name == name {
			return &c.Sources[i], true
		}
	}
	return nil, false
}

// Target returns the target called name.
func (c *Config) Target(name string) (*Target, bool) {
	for i := range c.Targets {
		if c.Targets[i].Name == name {
			return &c.Targets[i], true
		}
	}
	return nil, false
}

// SplitFrom splits From into the source's name and the table as the source
// lists it ("hq.public.emp" gives "hq", "public.emp"). Source names hold no dots.
func (r Route) SplitFrom() (source, table string) {
	source, table, _ = strings.Cut(r.From, ".")
	return source, table
}

// SplitTo splits To into the target's name and the target table, which
// Table{Name: table}.QualifiedName resolves into schema and name.
func (r Route) SplitTo() (target, table string) {
	target, table, _ = strings.Cut(r.To, ".")
	return target, table
}
