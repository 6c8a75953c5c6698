package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Where the config file is looked for when no -c flag is given.
const (
	PathEnv     = "FERRY_CONFIG"
	DefaultPath = "ferry.yaml"
)

// Path returns the config file to load: the -c flag if given, else
// $FERRY_CONFIG, else ferry.yaml in the working directory.
func Path(flag string) string {
	if flag != "" {
		return flag
	}
	if p := os.Getenv(PathEnv); p != "" {
		return p
	}
	return DefaultPath
}

// Load reads and parses the config file at path, expanding ${VAR} from the
// process environment. The result is not validated; call Validate.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse parses data, the contents of file, expanding ${VAR} from the process
// environment. file names the config in error messages, and dsn_file paths
// are relative to its directory.
func Parse(file string, data []byte) (*Config, error) {
	return ParseWithEnv(file, data, os.LookupEnv)
}

// ParseWithEnv is Parse with the environment given as a lookup function, so
// that tests and tools need not change the process environment. A nil
// lookup is an empty environment.
//
// The steps, each reporting every problem it finds rather than the first:
// parse the YAML into a node tree, expand ${VAR} and $$ in scalar values,
// decode strictly (unknown keys and wrong types are errors), read dsn_file
// secrets, fill in defaults.
func ParseWithEnv(file string, data []byte, lookup func(string) (string, bool)) (*Config, error) {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlErrors(file, err, "syntax error: ")
	}
	// A second document would otherwise be ignored without a word.
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, yamlErrors(file, err, "syntax error: ")
		}
		return nil, &Error{File: file, Line: extra.Line, Err: errors.New("more than one YAML document")}
	}

	cfg := &Config{File: file}
	var errs []error
	// An empty file decodes to an empty config; Validate says what is missing.
	if root.Kind != 0 {
		errs = expandEnv(&root, file, lookup)
		errs = append(errs, unknownFields(&root, reflect.TypeOf(*cfg), file)...)
		if err := root.Decode(cfg); err != nil {
			errs = append(errs, yamlErrors(file, err, ""))
		}
		if len(errs) > 0 {
			return nil, joinSorted(errs)
		}
		setLines(&root, reflect.ValueOf(cfg), root.Line)
	}

	dir := filepath.Dir(file)
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if err := readDSNFile(&s.DSN, s.DSNFile, dir); err != nil {
			errs = append(errs, &Error{File: file, Line: s.Line, Err: fmt.Errorf("source %s: %w", s.Name, err)})
		}
		s.Dialect = strings.ToLower(s.Dialect)
		if s.CaptureSchema == "" {
			s.CaptureSchema = DefaultCaptureSchema
		}
	}
	for i := range cfg.Targets {
		t := &cfg.Targets[i]
		if err := readDSNFile(&t.DSN, t.DSNFile, dir); err != nil {
			errs = append(errs, &Error{File: file, Line: t.Line, Err: fmt.Errorf("target %s: %w", t.Name, err)})
		}
		t.Dialect = strings.ToLower(t.Dialect)
	}
	if cfg.Kafka.TopicPrefix == "" {
		cfg.Kafka.TopicPrefix = DefaultTopicPrefix
	}
	if cfg.Kafka.MaxMessageBytes == 0 {
		cfg.Kafka.MaxMessageBytes = DefaultMaxMessageBytes
	}
	cfg.Relay.applyDefaults(cfg.Kafka.TopicPrefix)
	cfg.applierDefaults()
	if len(errs) > 0 {
		return nil, joinSorted(errs)
	}
	return cfg, nil
}

// readDSNFile sets *dsn from the file at path, relative to dir, so that the
// secret can live in a file with tighter permissions than the config (a
// Kubernetes or Docker secret, systemd credentials).
func readDSNFile(dsn *DSN, path, dir string) error {
	if path == "" {
		return nil
	}
	if *dsn != "" {
		return errors.New("both dsn and dsn_file are set; keep one")
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read dsn_file: %w", err)
	}
	*dsn = DSN(strings.TrimRightFunc(string(b), unicode.IsSpace))
	return nil
}

var yamlLine = regexp.MustCompile(`(?s)^(?:yaml: )?line (\d+): (.*)$`)

// yamlErrors turns yaml.v3's errors, which say "line N: ...", into Errors
// that name the file, one per problem. Syntax errors get a prefix that says
// so, because yaml.v3 places them at the start of the enclosing block
// rather than at the bad line (go-yaml/yaml#542).
func yamlErrors(file string, err error, prefix string) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	errs := make([]error, 0, len(msgs))
	for _, m := range msgs {
		e := &Error{File: file}
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			e.Line, _ = strconv.Atoi(sub[1])
			m = sub[2]
		}
		e.Err = errors.New(prefix + m)
		errs = append(errs, e)
	}
	return joinSorted(errs)
}

// joinSorted joins errs in the order of the file, which is the order an
// operator fixes them in. Joined errors are flattened first so that each
// problem is sorted on its own line.
func joinSorted(errs []error) error {
	var flat []error
	var add func(error)
	add = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				add(e)
			}
			return
		}
		flat = append(flat, err)
	}
	for _, err := range errs {
		add(err)
	}
	slices.SortStableFunc(flat, func(a, b error) int {
		return cmp.Compare(lineOf(a), lineOf(b))
	})
	return errors.Join(flat...)
}

func lineOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Line
	}
	return 0
}
