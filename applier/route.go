package applier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/ferry-cdc/ferry/applier/lookup"
	"github.com/ferry-cdc/ferry/applier/rule"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/relay"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialects"
)

// route is one config route, resolved against the target's catalog.
type route struct {
	name   string // "hq.public.emp -> branch.public.staff"
	topic  string
	cfg    config.Route
	schema string // the target table's, as the config names it
	tname  string
	rename map[string]string
	drop   map[string]bool
	// constants are the route's constant columns' values in their
	// neutral forms, for the target's columns' kinds.
	constants map[string]json.RawMessage
	rules     *rule.Set
	lookups   *lookup.Set

	// What describe reads from the target's catalog; read again when the
	// catalog changes.
	table   *fsql.Table
	key     []string               // target key columns, in the source key's order
	columns map[string]fsql.Column // the target's, by name
	names   map[string][]byte      // the target's column names as JSON strings
	typed   map[string]fsql.Column // by source name, the target column each one writes: the type rules see
}

// routes resolves the routes into target, keyed by topic.
func routes(ctx context.Context, cfg *config.Config, target *config.Target, d fsql.Dialect, db fsql.Querier, log *slog.Logger) (map[string]*route, error) {
	out := map[string]*route{}
	var errs []string
	tnames, err := fsql.NamesOf(ctx, d, db)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", target.Name, err)
	}
	for _, r := range cfg.Routes {
		tname, tref := r.SplitTo()
		if tname != target.Name {
			continue
		}
		topic, err := topicOf(cfg, r)
		if errors.Is(err, errNotCaptured) {
			continue // Validate reports it
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s:%d: route from %s: %v", cfg.File, r.Line, r.From, err))
			continue
		}
		tschema, tn := config.Table{Name: tref}.Qualified(tnames)
		rt := &route{
			name: RouteName(r), topic: topic, cfg: r, schema: tschema, tname: tn,
			rename: r.Columns, drop: map[string]bool{},
		}
		for _, c := range r.Drop {
			rt.drop[c] = true
		}
		if err := rt.describe(ctx, d, db); err != nil {
			errs = append(errs, fmt.Sprintf("%s:%d: %v", cfg.File, r.Line, err))
			continue
		}
		if len(r.Lookups) > 0 {
			if rt.lookups, err = lookup.New(rt.name, r.Lookups, db, log); err != nil {
				errs = append(errs, fmt.Sprintf("%s:%d: %v", cfg.File, r.Line, err))
				continue
			}
		}
		if _, dup := out[topic]; dup {
			errs = append(errs, fmt.Sprintf("%s:%d: route from %s: topic %s already feeds another route into %s", cfg.File, r.Line, r.From, topic, target.Name))
			continue
		}
		out[topic] = rt
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// RouteName names a route in metrics, logs, the DLQ and ferry route.
func RouteName(r config.Route) string { return r.From + " -> " + r.To }

// errNotCaptured: a route's from names no captured table (Validate says so).
var errNotCaptured = errors.New("the route's table is not captured")

// topicOf is the topic a route's source table's changes go to. It is
// named after the table as the source's catalog holds it, which the
// applier works out without connecting to the source: a bare name needs a
// dialect whose default schema does not depend on the connection.
func topicOf(cfg *config.Config, r config.Route) (string, error) {
	sname, sref := r.SplitFrom()
	src, ok := cfg.Source(sname)
	if !ok {
		return "", errNotCaptured
	}
	ct, ok := src.Table(sref)
	if !ok {
		return "", errNotCaptured
	}
	if ct.Topic != "" {
		return ct.Topic, nil
	}
	sd, err := dialects.Lookup(src.Dialect)
	if err != nil {
		return "", err
	}
	names, err := fsql.NamesOf(context.Background(), sd, nil)
	if errors.Is(err, fsql.ErrNeedsConnection) && (ct.Schema != "" || strings.Contains(ct.Name, ".")) {
		names, err = fsql.Names{Fold: sd.Fold}, nil // the schema is named: no default needed
	}
	if err != nil {
		return "", fmt.Errorf("%w: name the table's schema in the source's tables (schema.table), or give it a topic", err)
	}
	schema, table := ct.Qualified(names)
	return relay.TopicName(cfg.Kafka.TopicPrefix, schema, table), nil
}

// describe reads the target table from the catalog and compiles the rules
// against its columns' types.
func (r *route) describe(ctx context.Context, d fsql.Dialect, db fsql.Querier) error {
	t, err := d.Describe(ctx, db, r.schema, r.tname)
	if err != nil {
		return fmt.Errorf("route to %s: %w", r.cfg.To, err)
	}
	if len(t.PrimaryKey) == 0 {
		return fmt.Errorf("route to %s: the target table has no primary key to apply changes by", r.cfg.To)
	}
	columns := map[string]fsql.Column{}
	names := map[string][]byte{}
	for _, c := range t.Columns {
		columns[c.Name] = c
		names[c.Name], _ = json.Marshal(c.Name)
	}
	typed := ruleColumns(r.cfg, t)
	var rules *rule.Set
	if len(r.cfg.Rules) > 0 {
		var err error
		if rules, err = rule.Compile(r.name, r.cfg.Rules, typed); err != nil {
			return err
		}
	}
	r.constants = map[string]json.RawMessage{}
	for c, v := range r.cfg.Constants {
		r.constants[c] = constant(columns[c], v)
	}
	r.table, r.key, r.columns, r.names, r.typed, r.rules = t, slices.Clone(t.PrimaryKey), columns, names, typed, rules
	return nil
}

// constant is a constant's text from the config in the neutral form of
// the column's kind: a number or a boolean as itself, anything else (and
// text that is not one) as a string.
func constant(c fsql.Column, v string) json.RawMessage {
	switch c.Kind {
	case fsql.KindInteger:
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return json.RawMessage(v)
		}
	case fsql.KindFloat:
		if _, err := strconv.ParseFloat(v, 64); err == nil && json.Valid([]byte(v)) {
			return json.RawMessage(v)
		}
	case fsql.KindBool:
		if b, err := strconv.ParseBool(v); err == nil {
			return json.RawMessage(strconv.FormatBool(b))
		}
	}
	b, _ := json.Marshal(v) // a string always encodes
	return b
}

// target is the target column a source column writes, or "" when dropped.
func (r *route) target(col string) string {
	if r.drop[col] {
		return ""
	}
	if to, ok := r.rename[col]; ok {
		return to
	}
	return col
}
