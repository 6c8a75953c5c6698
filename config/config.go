package config



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
}

// Source is a database whose tables are captured by triggers into its outbox.
type Source struct {
	Name    string `yaml:"name"`
	Dialect string `yaml:"dialect"`
	DSN     DSN    `yaml:"dsn"`
	DSNFile string `yaml:"dsn_file"`
	// CaptureSchema holds the outbox, the registry and the trigger functions
	// (PostgreSQL schema, SQL Server schema, Oracle user). Default "ferry".
	CaptureSchema string  `yaml:"capture_schema"`
	Tables        []Table `yaml:"tables"`

	Line int `yaml:"-"`
}

// Table is one captured table of a source.
type Table struct {
	// Name is "schema.table" (or "table", meaning the dialect's default
	// schema). Names are matched exactly, case included; quoting is Ferry's job.
	Name string `yaml:"name"`
	// Key names the columns that identify a row when the table has no primary key.
	Key []string `yaml:"key"`
	// Exclude names columns whose values must never leave the source.
	Exclude []string `yaml:"exclude"`

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
	// (security.protocol, sasl.*, ssl.*, tuning).
	Properties map[string]string `yaml:"properties"`

	Line int `yaml:"-"`
}

// Route sends one captured source table to one target table.
type Route struct {
	// From is "<source>.<schema>.<table>", a table captured by that source.
	From string `yaml:"from"`
	// To is "<target>.<schema>.<table>".
	To string `yaml:"to"`
	// Columns renames source columns to target columns; unnamed columns keep their name.
	Columns map[string]string `yaml:"columns"`
	// Drop names source columns that are not written to the target.
	Drop []string `yaml:"drop"`
	// Constants are target columns set to a fixed value on every write.
	Constants map[string]string `yaml:"constants"`

	Line int `yaml:"-"`
}

// DSN is a connection string. Its String method hides the password, so a
// DSN can be logged or wrapped into an error without leaking the secret.
type DSN string

// Defaults used where the file is silent.
const (
	DefaultCaptureSchema = "ferry"
	DefaultTopicPrefix   = "ferry"
)

