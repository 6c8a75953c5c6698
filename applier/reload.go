package applier

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ferry-cdc/ferry/config"
)

// Reload is a config's routes, checked against the target and with their
// lookups loaded, waiting to replace the running ones (SIGHUP: see
// cmd/ferry). It takes the rules, lookups and mappings of the routes the
// applier runs; a route added or removed needs a restart, since the
// consumer's subscription follows the routes.
type Reload struct {
	cfg    *config.Config
	routes map[string]*route
	stops  map[string]func()
	taken  chan struct{}
	// Notes say what the reload leaves for a restart.
	Notes []string
}

// Discard stops the lookups of a reload that is not taken.
func (r *Reload) Discard() { stopAll(r.stops) }

// PrepareReload checks cfg's routes into this applier's target as the
// applier would run them (tables read from the catalog, rules compiled
// against their types, lookups loaded), without touching the running ones.
// Every problem is in the error; nil means Take may follow.
func (a *Applier) PrepareReload(ctx context.Context, cfg *config.Config) (*Reload, error) {
	target, ok := cfg.Target(a.target.Name)
	if !ok {
		return nil, fmt.Errorf("target %s is no longer in %s: restart the applier to drop it", a.target.Name, cfg.File)
	}
	fresh, err := routes(ctx, cfg, target, a.d, a.db, a.log)
	if err != nil {
		return nil, err
	}
	a.cfgMu.Lock()
	current := a.cfg
	a.cfgMu.Unlock()
	running := map[string]string{} // the running config's routes: name by topic
	for _, r := range current.Routes {
		if t, _ := r.SplitTo(); t == a.target.Name {
			if topic, err := topicOf(current, r); err == nil {
				running[topic] = RouteName(r)
			}
		}
	}
	rl := &Reload{routes: map[string]*route{}, taken: make(chan struct{})}
	merged := *current
	merged.Routes = slices.DeleteFunc(slices.Clone(current.Routes), func(r config.Route) bool {
		t, _ := r.SplitTo()
		return t == a.target.Name
	})
	for topic, r := range fresh {
		switch name, ok := running[topic]; {
		case !ok:
			rl.Notes = append(rl.Notes, fmt.Sprintf("route %s is new: restart the applier to start it", r.name))
			continue
		case name != r.name:
			rl.Notes = append(rl.Notes, fmt.Sprintf("route %s now goes %s: restart the applier to take it", name, r.name))
			continue
		}
		rl.routes[topic] = r
		merged.Routes = append(merged.Routes, r.cfg)
	}
	for topic, name := range running {
		if _, ok := rl.routes[topic]; ok {
			continue
		}
		if _, ok := fresh[topic]; !ok {
			rl.Notes = append(rl.Notes, fmt.Sprintf("route %s is gone from the file: it runs until the applier restarts", name))
		}
		for _, r := range current.Routes {
			if RouteName(r) == name {
				merged.Routes = append(merged.Routes, r)
			}
		}
	}
	slices.Sort(rl.Notes)
	rl.cfg = &merged
	if rl.stops, err = startLookups(ctx, rl.routes); err != nil {
		return nil, err
	}
	return rl, nil
}

// Take has the applier run rl's routes from its next batch on; the
// routes it does not change keep running as they are. It returns once the
// applier has them, or after wait, when the applier is between sessions
// (the next session starts with them) or busy with a batch.
func (a *Applier) Take(rl *Reload, wait time.Duration) bool {
	select {
	case old := <-a.reloads:
		old.Discard() // superseded before it was taken
	default:
	}
	a.reloads <- rl
	select {
	case <-rl.taken:
		return true
	case <-time.After(wait):
		return false
	}
}

// takeReload swaps in a reload waiting for the session, between batches.
func (a *Applier) takeReload() {
	var rl *Reload
	select {
	case rl = <-a.reloads:
	default:
		return
	}
	a.cfgMu.Lock()
	a.cfg = rl.cfg
	a.cfgMu.Unlock()
	defer close(rl.taken)
	if a.routes == nil {
		rl.Discard() // no session runs: the next one reads a.cfg
		return
	}
	for topic, r := range rl.routes {
		if a.routes[topic] == nil {
			rl.stops[topic]()
			continue
		}
		a.routes[topic] = r
		if stop := a.lookups[topic]; stop != nil {
			stop()
		}
		a.lookups[topic] = rl.stops[topic]
	}
	clear(a.missing)
	a.log.Info("reloaded the routes' rules and lookups", "routes", len(rl.routes), "file", rl.cfg.File)
}

// startLookups starts the lookups of rs; it returns, by topic, what stops
// each route's and waits for it.
func startLookups(ctx context.Context, rs map[string]*route) (map[string]func(), error) {
	stops := map[string]func(){}
	for topic, r := range rs {
		if r.lookups == nil {
			stops[topic] = func() {}
			continue
		}
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		if err := r.lookups.Start(lctx); err != nil {
			cancel()
			stopAll(stops)
			return nil, err
		}
		var once sync.Once
		stops[topic] = func() { once.Do(func() { cancel(); r.lookups.Wait() }) }
	}
	return stops, nil
}

func stopAll(stops map[string]func()) {
	for _, stop := range stops {
		stop()
	}
}

// CountReload counts a SIGHUP reload, taken or refused, in the metrics.
func (a *Applier) CountReload(ok bool) {
	result := "refused"
	if ok {
		result = "ok"
	}
	a.m.reloads.WithLabelValues(result).Inc()
}
