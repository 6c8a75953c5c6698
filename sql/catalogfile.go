package sql

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// CatalogFile is a source's catalog written down: the tables `ferry
// migrate generate --catalog` plans capture for, with no connection to
// the database, for review. Each column says what the database's own
// catalog would (its type as the database prints it, nullability and the
// facts capture depends on); the source dialect turns a CatalogTable into
// a Table as its Describe turns the live catalog into one.
type CatalogFile struct {
	// DefaultSchema is the schema a bare table name in the config means
	// for the user that would run `ferry migrate up` (SQL Server: that
	// user's default schema); empty means the dialect's fixed one, where
	// it has one.
	DefaultSchema string         `yaml:"default_schema"`
	Tables        []CatalogTable `yaml:"tables"`
}

// CatalogTable is one table of a CatalogFile.
type CatalogTable struct {
	Schema     string          `yaml:"schema"`
	Name       string          `yaml:"name"`
	Columns    []CatalogColumn `yaml:"columns"`
	PrimaryKey []string        `yaml:"primary_key"`
	// Unique lists the unique indexes besides the primary key that can
	// identify a row (on columns, without a filter, enabled).
	Unique []CatalogUnique `yaml:"unique"`
	// At is where the table is written, "file:line", for messages.
	At string `yaml:"-"`
}

// CatalogColumn is one column of a CatalogTable, in table order.
type CatalogColumn struct {
	Name string `yaml:"name"`
	// Type as the database prints it: "nvarchar(100)", "decimal(12,2)".
	Type     string `yaml:"type"`
	Nullable bool   `yaml:"nullable"`
	// Identity: the database numbers the column itself.
	Identity bool `yaml:"identity"`
	// Computed: a computed column; Generated: GENERATED ALWAYS (a temporal
	// period or ledger column).
	Computed  bool `yaml:"computed"`
	Generated bool `yaml:"generated"`
	// Collation of a text column, and its code page (SQL Server: 1252 for
	// Latin1 collations, 65001 for UTF-8 ones).
	Collation string `yaml:"collation"`
	CodePage  int    `yaml:"code_page"`
	// Default is the default's definition, as the catalog prints it.
	Default string `yaml:"default"`
	// At is where the column is written, "file:line", for messages.
	At string `yaml:"-"`
}

// CatalogUnique is a unique index of a CatalogTable.
type CatalogUnique struct {
	Name    string   `yaml:"name"`
	Columns []string `yaml:"columns"`
	// At is where the index is written, "file:line", for messages.
	At string `yaml:"-"`
}

// ReadCatalogFile reads and checks a catalog file (YAML), and reports
// every problem at once, each with its file:line: an unknown key, a value
// of the wrong shape, a table or column without a name or twice in the
// file, a key column (primary_key, unique) that is not a column of the
// table. check, if not nil, is the source dialect's own check of a table
// (its types, its limits on names); it runs on every table.
func ReadCatalogFile(path string, check func(*CatalogTable) error) (*CatalogFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the catalog file: %w", err)
	}
	at := func(line int) string { return fmt.Sprintf("%s:%d", path, line) }
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		if m := yamlSyntaxError.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s: %s", path, m[1], m[2])
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty: list the tables under tables:", path)
	}
	root := doc.Content[0]
	var errs []error
	unknownKeys(root, reflect.TypeFor[CatalogFile](), "the file", at, &errs)
	tableNodes := items(field(root, "tables"))
	for _, tn := range tableNodes {
		unknownKeys(tn, reflect.TypeFor[CatalogTable](), "a table", at, &errs)
		for _, cn := range items(field(tn, "columns")) {
			unknownKeys(cn, reflect.TypeFor[CatalogColumn](), "a column", at, &errs)
		}
		for _, un := range items(field(tn, "unique")) {
			unknownKeys(un, reflect.TypeFor[CatalogUnique](), "a unique index", at, &errs)
		}
	}
	var f CatalogFile
	if err := root.Decode(&f); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, e := range te.Errors {
			errs = append(errs, typeError(path, e))
		}
	}
	if len(errs) > 0 {
		// The decoded lists lose the items that failed, so their lines no
		// longer match the nodes': the shape is reported before the meaning.
		return nil, errors.Join(inLineOrder(errs)...)
	}
	if len(f.Tables) == 0 {
		errs = append(errs, fmt.Errorf("%s: no tables: list them under tables:", at(root.Line)))
	}
	tables := map[Relation]bool{}
	for i := range f.Tables {
		t, tn := &f.Tables[i], tableNodes[i]
		t.At = at(tn.Line)
		errs = append(errs, checkTable(t, tn, tables, at)...)
		if check == nil {
			continue
		}
		// The dialect checks what is there: a column without a name or
		// type has been reported.
		named := *t
		named.Columns = slices.DeleteFunc(slices.Clone(t.Columns), func(c CatalogColumn) bool { return c.Name == "" || c.Type == "" })
		if err := check(&named); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(inLineOrder(errs)...)
	}
	return &f, nil
}

// atLine reads the line of a message that starts "file:line: ".
var atLine = regexp.MustCompile(`^.*?:([0-9]+): `)

// inLineOrder flattens joined errors and sorts them by their line.
func inLineOrder(errs []error) []error {
	var flat []error
	for _, err := range errs {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			flat = append(flat, inLineOrder(j.Unwrap())...)
			continue
		}
		flat = append(flat, err)
	}
	line := func(err error) int {
		m := atLine.FindStringSubmatch(err.Error())
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	slices.SortStableFunc(flat, func(a, b error) int { return line(a) - line(b) })
	return flat
}

// checkTable checks the names of table t (written as tn) and its key
// columns, and sets the At of its columns and unique indexes; tables
// holds the tables seen so far.
func checkTable(t *CatalogTable, tn *yaml.Node, tables map[Relation]bool, at func(int) string) []error {
	var errs []error
	what := fmt.Sprintf("table %s.%s", t.Schema, t.Name)
	switch r := (Relation{t.Schema, t.Name}); {
	case t.Schema == "" || t.Name == "":
		errs = append(errs, fmt.Errorf("%s: %s: give its schema and name", t.At, what))
	case tables[r]:
		errs = append(errs, fmt.Errorf("%s: %s: in the file twice", t.At, what))
	default:
		tables[r] = true
	}
	if len(t.Columns) == 0 {
		errs = append(errs, fmt.Errorf("%s: %s: no columns", t.At, what))
	}
	columns := map[string]bool{}
	for j, cn := range items(field(tn, "columns")) {
		c := &t.Columns[j]
		c.At = at(cn.Line)
		switch {
		case c.Name == "" || c.Type == "":
			errs = append(errs, fmt.Errorf("%s: %s column %d: give its name and type", c.At, what, j+1))
		case columns[c.Name]:
			errs = append(errs, fmt.Errorf("%s: %s column %s: in the table twice", c.At, what, c.Name))
		}
		columns[c.Name] = true
	}
	// keyColumns checks the columns of a key, written as the list kn.
	keyColumns := func(key string, names []string, kn *yaml.Node) {
		if len(names) == 0 {
			errs = append(errs, fmt.Errorf("%s: %s %s: no columns", at(kn.Line), what, key))
		}
		seen := map[string]bool{}
		for k, n := range items(kn) {
			switch name := names[k]; {
			case !columns[name]:
				errs = append(errs, fmt.Errorf("%s: %s %s: %s is not a column of the table", at(n.Line), what, key, name))
			case seen[name]:
				errs = append(errs, fmt.Errorf("%s: %s %s: column %s twice", at(n.Line), what, key, name))
			default:
				seen[name] = true
			}
		}
	}
	if kn := field(tn, "primary_key"); kn != nil {
		keyColumns("primary_key", t.PrimaryKey, kn)
	}
	for k, un := range items(field(tn, "unique")) {
		u := &t.Unique[k]
		u.At = at(un.Line)
		kn := field(un, "columns")
		if kn == nil {
			kn = un
		}
		keyColumns("unique index "+u.Name, u.Columns, kn)
	}
	return errs
}

// field is the value of key in the mapping n; nil if n is no mapping or
// lacks the key.
func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// items are the entries of the sequence n; none if n is no sequence.
func items(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// unknownKeys reports each key of the mapping n that no yaml tag of typ
// names, with its line and the keys that are known.
func unknownKeys(n *yaml.Node, typ reflect.Type, what string, at func(int) string, errs *[]error) {
	if n.Kind != yaml.MappingNode {
		return
	}
	var known []string
	for i := range typ.NumField() {
		if tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			known = append(known, tag)
		}
	}
	for i := 0; i < len(n.Content); i += 2 {
		if k := n.Content[i]; !slices.Contains(known, k.Value) {
			*errs = append(*errs, fmt.Errorf("%s: unknown key %s in %s (it takes %s)", at(k.Line), k.Value, what, strings.Join(known, ", ")))
		}
	}
}

// yamlSyntaxError is yaml.v3's message for a file that is not YAML.
var yamlSyntaxError = regexp.MustCompile(`^yaml: line ([0-9]+): (.*)$`)

// yamlTypeError is one message of a yaml.TypeError.
var yamlTypeError = regexp.MustCompile("^line ([0-9]+): cannot unmarshal !!([a-z]+)(?: `(.*)`)? into (.+)$")

// typeError says what a value of the wrong shape should be, without Go's
// type names.
func typeError(path, msg string) error {
	m := yamlTypeError.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("%s: %s", path, msg)
	}
	want := "a mapping of keys"
	switch into := m[4]; {
	case into == "bool":
		want = "true or false"
	case into == "int":
		want = "a whole number"
	case into == "string":
		want = "a string"
	case strings.HasPrefix(into, "[]"):
		want = "a list"
	}
	if m[3] != "" {
		return fmt.Errorf("%s:%s: %s is not %s", path, m[1], m[3], want)
	}
	got := map[string]string{"seq": "a list", "map": "a mapping"}[m[2]]
	if got == "" {
		got = "a value"
	}
	return fmt.Errorf("%s:%s: %s where %s belongs", path, m[1], got, want)
}

// Table returns the table schema.name of the file, exactly as written.
func (f *CatalogFile) Table(schema, name string) (*CatalogTable, error) {
	for i, t := range f.Tables {
		if t.Schema == schema && t.Name == name {
			return &f.Tables[i], nil
		}
	}
	return nil, fmt.Errorf("%s.%s: %w (in the catalog file)", schema, name, ErrNoTable)
}
