package applier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/applier/lookup"
	"github.com/ferry-cdc/ferry/dlq"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// Outcome is what a replay did with one DLQ entry.
type Outcome struct {
	Entry *dlq.Entry
	// Result is replayed, failed, waiting, skipped (by the filter),
	// superseded (a truncate after it removed what it wrote), kept or
	// dismissed (a truncate), or would-replay, would-fail, would-supersede,
	// would-dismiss.
	Result string
	Detail string
}

// Filter picks the entries to replay; a zero Filter takes them all.
type Filter struct {
	Table  string // matches the route's source or target table, e.g. public.emp
	Reason string // matches the class or a part of the error text
	Since  time.Time
	Until  time.Time
}

func (f Filter) match(e *dlq.Entry) bool {
	if f.Table != "" && !strings.Contains(e.Route, "."+f.Table) {
		return false
	}
	if f.Reason != "" && e.Class != f.Reason && !strings.Contains(e.Error, f.Reason) {
		return false
	}
	if !f.Since.IsZero() && e.First.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && e.First.After(f.Until) {
		return false
	}
	return true
}

// Replay sends DLQ entries of this applier's target through the current
// routes, rules and lookups, in their original order. An entry that now
// applies leaves the DLQ and, when it was its key's last, releases the key;
// one that fails again stays, with one more attempt, and the later entries
// of its key keep waiting behind it, as do those behind an entry the filter
// leaves out. With dryRun nothing is committed or written.
func (a *Applier) Replay(ctx context.Context, entries []*dlq.Entry, f Filter, dryRun bool) ([]Outcome, error) {
	if err := a.book.Prepare(ctx, a.db, a.d.Fold(Schema)); err != nil {
		return nil, err
	}
	rs, err := routes(ctx, a.cfg, a.target, a.d, a.db, a.log)
	if err != nil {
		return nil, err
	}
	a.routes = rs
	// The refreshers stop before they are waited for (deferred calls run
	// last first: a Wait deferred after the stop would wait for ever).
	lctx, stop := context.WithCancel(ctx)
	var started []*lookup.Set
	defer func() {
		stop()
		for _, l := range started {
			l.Wait()
		}
	}()
	for _, r := range rs {
		if r.lookups != nil {
			if err := r.lookups.Start(lctx); err != nil {
				return nil, err
			}
			started = append(started, r.lookups)
		}
	}
	if !dryRun && a.dlq == nil {
		w, err := dlq.NewWriter(a.cfg.Kafka, a.cfg.Apply.DLQTopic)
		if err != nil {
			return nil, err
		}
		a.dlq = w
		defer func() { w.Close(); a.dlq = nil }()
	}
	var out []Outcome
	waiting := map[string]string{} // key -> the entry it waits behind
	for _, e := range entries {
		if e.Target() != a.target.Name {
			continue
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		topic := e.Topic
		m := &kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: e.Partition, Offset: kafka.Offset(e.Offset)},
			Key:            e.Key, Value: e.Value,
		}
		if isTruncate(e) {
			// Applied now, a truncate would delete the rows written since.
			if f.Reason != dlq.ClassTruncate || !f.match(e) {
				out = append(out, Outcome{e, "kept", "a truncate is never replayed: it would delete the rows written after it (--reason truncate dismisses it)"})
				continue
			}
			o, err := a.dismiss(ctx, e, dryRun)
			if err != nil {
				return out, err
			}
			out = append(out, o)
			continue
		}
		key := e.Route + "|" + string(e.Key)
		if behind, ok := waiting[key]; ok {
			out = append(out, Outcome{e, "waiting", "behind " + behind})
			continue
		}
		if !f.match(e) {
			waiting[key] = e.ID()
			out = append(out, Outcome{e, "skipped", "not selected"})
			continue
		}
		o, err := a.replayOne(ctx, e, m, key, dryRun)
		if err != nil {
			return out, err
		}
		if o.Result == "failed" || o.Result == "would-fail" {
			waiting[key] = e.ID()
		}
		out = append(out, o)
	}
	return out, nil
}

func (a *Applier) replayOne(ctx context.Context, e *dlq.Entry, m *kafka.Message, key string, dryRun bool) (Outcome, error) {
	if a.routes[e.Topic] == nil || a.routes[e.Topic].name != e.Route {
		return a.failAgain(ctx, e, dryRun, "the route "+e.Route+" is no longer in the config")
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return Outcome{}, err
	}
	defer tx.Rollback()
	clear(a.written)
	blocked, err := a.book.Blocked(ctx, tx, []string{key}) // locks the key against the applier
	if err != nil {
		return Outcome{}, err
	}
	done, err := a.book.Replayed(ctx, tx, e.ID())
	if err != nil {
		return Outcome{}, err
	}
	truncated, err := a.book.Truncated(ctx, tx, e.Topic)
	if err != nil {
		return Outcome{}, err
	}
	result, detail := "replayed", ""
	if off, ok := truncated[e.Partition]; ok && e.Offset < off {
		result, detail = "superseded", fmt.Sprintf("a truncate after it (offset %d) removed what it would write", off)
	}
	if !done && result == "superseded" {
		if err := a.book.MarkReplayed(ctx, tx, e.ID()); err != nil {
			return Outcome{}, err
		}
		if n := blocked[key]; n > 0 {
			if err := a.book.SetBlocked(ctx, tx, map[string]int{key: n - 1}); err != nil {
				return Outcome{}, err
			}
		}
	}
	if !done && result != "superseded" {
		it := a.prepare(m)
		switch {
		case it.fail != nil:
			return a.failAgain(ctx, e, dryRun, it.fail.Error)
		case it.hold != "":
			return a.failAgain(ctx, e, dryRun, "rule "+it.hold+" still holds it")
		case it.op != 0 && it.skip == "":
			if err := a.write(ctx, tx, []*item{it}); err != nil {
				if a.classify(err) == fsql.Retry {
					return Outcome{}, err
				}
				return a.failAgain(ctx, e, dryRun, err.Error())
			}
		}
		if err := a.book.MarkReplayed(ctx, tx, e.ID()); err != nil {
			return Outcome{}, err
		}
		if n := blocked[key]; n > 0 {
			if err := a.book.SetBlocked(ctx, tx, map[string]int{key: n - 1}); err != nil {
				return Outcome{}, err
			}
		}
	}
	if dryRun {
		return Outcome{e, map[string]string{"replayed": "would-replay", "superseded": "would-supersede"}[result], detail}, nil
	}
	if err := tx.Commit(); err != nil {
		return Outcome{}, err
	}
	a.countWritten()
	if err := a.dlq.Write(ctx, []*dlq.Entry{e.Resolution()}); err != nil {
		return Outcome{}, fmt.Errorf("mark %s replayed in the DLQ (rerun the replay: it is safe): %w", e.ID(), err)
	}
	return Outcome{e, result, detail}, nil
}

// isTruncate tells a truncate's entry: its value is a change with op t.
func isTruncate(e *dlq.Entry) bool {
	env, err := decodeEnvelope(e.Value)
	return err == nil && env.Op == "t"
}

// dismiss resolves a truncate's entry without applying it.
func (a *Applier) dismiss(ctx context.Context, e *dlq.Entry, dryRun bool) (Outcome, error) {
	const detail = "not applied: the rows it would have removed are still in the target"
	if dryRun {
		return Outcome{e, "would-dismiss", detail}, nil
	}
	if err := a.dlq.Write(ctx, []*dlq.Entry{e.Resolution()}); err != nil {
		return Outcome{}, fmt.Errorf("mark %s dismissed in the DLQ (rerun the replay: it is safe): %w", e.ID(), err)
	}
	return Outcome{e, "dismissed", detail}, nil
}

// failAgain keeps an entry in the DLQ with one more attempt and the new reason.
func (a *Applier) failAgain(ctx context.Context, e *dlq.Entry, dryRun bool, why string) (Outcome, error) {
	if dryRun {
		return Outcome{e, "would-fail", why}, nil
	}
	again := *e
	again.Attempts++
	again.Error = why
	if err := a.dlq.Write(ctx, []*dlq.Entry{&again}); err != nil {
		return Outcome{}, errors.Join(fmt.Errorf("record the failed attempt of %s", e.ID()), err)
	}
	return Outcome{e, "failed", why}, nil
}
