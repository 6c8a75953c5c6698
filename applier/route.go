package applier

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
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
	name      string // "hq.public.emp -> branch.public.staff"
	topic     string
	table     *fsql.Table
	key       []string // target key columns, in the source key's order
	rename    map[string]string
	drop      map[string]bool
	constants map[string]string
	columns   map[string]fsql.Column // the target's, by name
	names     map[string][]byte      // the target's column names as JSON strings
	rules     *rule.Set
	lookups   *lookup.Set
}

// routes resolves the routes into target, keyed by topic.
func routes(ctx context.Context, cfg *config.Config, target *config.Target, d fsql.Dialect, db fsql.Querier, log *slog.Logger) (map[string]*route, error) {
	out := map[string]*route{}
	var errs []string
	for _, r := range cfg.Routes {
		tname, tref := r.SplitTo()
		if tname != target.Name {
			continue
		}
		sname, sref := r.SplitFrom()
		src, ok := cfg.Source(sname)
		if !ok {
			continue // Validate reports it
		}
		ct, ok := src.Table(sref)
		if !ok {
			continue
		}
		sd, err := dialects.Lookup(src.Dialect)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		schema, table := ct.QualifiedName(sd.DefaultSchema())
		topic := ct.Topic
		if topic == "" {
			topic = relay.TopicName(cfg.Kafka.TopicPrefix, schema, table)
		}
		tschema, tn := config.Table{Name: tref}.QualifiedName(d.DefaultSchema())
		t, err := d.Describe(ctx, db, tschema, tn)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s:%d: route to %s: %v", cfg.File, r.Line, r.To, err))
			continue
		}
		rt := &route{
			name: r.From + " -> " + r.To, topic: topic, table: t,
			rename: r.Columns, drop: map[string]bool{}, constants: r.Constants,
			columns: map[string]fsql.Column{}, names: map[string][]byte{},
		}
		for _, c := range r.Drop {
			rt.drop[c] = true
		}
		// No rules, no rule set: typing each change for rules that are not
		// there cost a quarter of the applier's time in a snapshot.
		if len(r.Rules) > 0 {
			if rt.rules, err = rule.Compile(rt.name, r.Rules); err != nil {
				errs = append(errs, fmt.Sprintf("%s:%d: %v", cfg.File, r.Line, err))
				continue
			}
		}
		if len(r.Lookups) > 0 {
			if rt.lookups, err = lookup.New(rt.name, r.Lookups, db, log); err != nil {
				errs = append(errs, fmt.Sprintf("%s:%d: %v", cfg.File, r.Line, err))
				continue
			}
		}
		for _, c := range t.Columns {
			rt.columns[c.Name] = c
			rt.names[c.Name], _ = json.Marshal(c.Name)
		}
		if len(t.PrimaryKey) == 0 {
			errs = append(errs, fmt.Sprintf("%s:%d: route to %s: the target table has no primary key to apply changes by", cfg.File, r.Line, r.To))
			continue
		}
		rt.key = slices.Clone(t.PrimaryKey)
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
