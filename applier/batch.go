package applier

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/applier/bookkeeping"
	"github.com/ferry-cdc/ferry/dlq"
	"github.com/ferry-cdc/ferry/internal/daemon"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// apply applies one batch, retrying transient failures until it commits or
// ctx ends. The batch is applied as a whole or not at all, but for the
// changes of partitions that stop (stop.go), which come again.
func (a *Applier) apply(ctx context.Context, msgs []*kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	start := time.Now()
	a.m.batchChanges.Observe(float64(len(msgs)))
	a.checked = false
	items, base, err := a.prepareAll(ctx, msgs)
	if err != nil {
		return err
	}
	if len(items) == 0 { // every change waits: nothing to commit
		a.pending = base
		return nil
	}
	backoff := daemon.NewBackoff()
	careful := false
	a.failed = map[any]error{}
	for {
		a.pending = base.clone()
		err := a.try(ctx, items, careful)
		if err == nil {
			a.m.batchDuration.Observe(time.Since(start).Seconds())
			a.state.Set("applying", slog.LevelInfo, "applying")
			return nil
		}
		a.pending = pending{}
		var fatal *daemon.Fatal
		if errors.As(err, &fatal) || errors.Is(err, errFenced) {
			return err
		}
		if errors.Is(err, errCatalogChanged) {
			// Prepared against the old catalog: prepare again.
			if items, base, err = a.prepareAll(ctx, msgs); err != nil {
				return err
			}
			clear(a.failed)
			continue
		}
		if a.leaveOut(err) {
			continue
		}
		switch a.classify(err) {
		case fsql.Retry:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			a.m.errors.WithLabelValues("target").Inc()
			a.state.Set("retrying: "+daemon.RootCause(err), slog.LevelWarn, "the target failed; retrying the batch", "err", err)
			d, _ := backoff.Next()
			daemon.Sleep(ctx, d)
		default:
			// One change of the batch cannot apply: find it, change by change.
			careful = true
		}
	}
}

// doomedError is a change whose error doomed the transaction, so that the
// savepoint before it could not be rolled back to; key is attempt's.
type doomedError struct {
	key any
	err error
}

func (e *doomedError) Error() string {
	return fmt.Sprintf("a change doomed the target's transaction: %v", e.err)
}

func (e *doomedError) Unwrap() error { return e.err }

// message identifies a change by its Kafka message, the same whether the
// change comes in the batch or from the held changes: a change held after
// its error doomed the transaction is judged by that error when the same
// transaction retries the held changes, not written again.
type message struct {
	topic     string
	partition int32
	offset    kafka.Offset
}

func messageID(m *kafka.Message) message {
	return message{topic: *m.TopicPartition.Topic, partition: m.TopicPartition.Partition, offset: m.TopicPartition.Offset}
}

// leaveOut records the change whose error doomed the transaction that err
// ended, and says whether err was such an error: the transaction is then
// tried again at once, without that change (Facts.ErrorDoomsTransaction).
func (a *Applier) leaveOut(err error) bool {
	var doomed *doomedError
	if !errors.As(err, &doomed) {
		return false
	}
	a.failed[doomed.key] = doomed.err
	return true
}

// errCatalogChanged: the target's catalog changed under the batch, which
// is prepared again before anything is decided about its changes.
var errCatalogChanged = errors.New("the target's catalog changed")

// prepareAll prepares each message and cuts the batch where partitions
// stop. A change carrying a column the routes do not know sends the
// applier to the catalog first: the column may have been added since.
func (a *Applier) prepareAll(ctx context.Context, msgs []*kafka.Message) ([]*item, pending, error) {
	items := make([]*item, len(msgs))
	missing := false
	for i, m := range msgs {
		items[i] = a.prepare(m)
		missing = missing || items[i].missing != ""
	}
	if missing && !a.checked {
		a.checked = true
		changed, err := a.refresh(ctx)
		if err != nil {
			return nil, pending{}, err
		}
		if changed {
			for i, m := range msgs {
				items[i] = a.prepare(m)
			}
		}
	}
	items, p := a.cut(items)
	return items, p, nil
}

// rejected decides whether a change the target refused goes to the DLQ:
// not before the catalog has been read again, once per batch, in case the
// target's schema changed under the batch.
func (a *Applier) rejected(ctx context.Context) error {
	if a.checked {
		return nil
	}
	a.checked = true
	changed, err := a.refresh(ctx)
	if err != nil {
		return err
	}
	if changed {
		return errCatalogChanged
	}
	return nil
}

// try runs the batch in one transaction. Fast, it writes runs of changes
// with one statement each; careful, it writes each change under a savepoint
// so that the one that fails can be told apart from the rest.
func (a *Applier) try(ctx context.Context, items []*item, careful bool) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	a.begin() // counted when the transaction commits
	if careful {
		// Deferred constraints too fail at the change that breaks them.
		if err := a.tg.Immediate(ctx, tx); err != nil {
			return err
		}
	}

	var entries []*dlq.Entry
	blocked, err := a.blocked(ctx, tx, items)
	if err != nil {
		return err
	}
	held, err := a.heldKeys(ctx, tx, items)
	if err != nil {
		return err
	}
	// A run is changes of one route with distinct keys: its deletes are
	// written first, then its upserts (writeAll). Against unique
	// constraints, deleting sooner only frees values; where the order
	// still matters (a table whose foreign key refers to itself), a
	// statement fails and the careful pass applies the batch one change
	// at a time, in order.
	var run []*item
	inRun := map[string]bool{}
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		err := a.writeAll(ctx, tx, run)
		run = run[:0]
		clear(inRun)
		return err
	}
	for _, it := range items {
		switch {
		case it.op == 't':
			continue // after every other change of the batch: see barriers
		case it.fail != nil:
			entries = append(entries, it.fail)
			blocked[it.key]++
			continue
		case blocked[it.key] > 0 && (it.op != 0 || it.skip != ""):
			entries = append(entries, a.entry(it, dlq.ClassParked, "an earlier change of this key is in the DLQ", ""))
			blocked[it.key]++
			continue
		case it.skip != "":
			a.m.skipped.WithLabelValues(it.route.name, it.skip).Inc()
			continue
		case it.op == 0:
			continue
		case held[it.key] == fsql.HeldForRow:
			if err := a.hold(ctx, tx, it, fsql.HeldForRow, "an earlier change of this key waits for a row"); err != nil {
				return err
			}
			continue
		case it.hold != "":
			if err := a.hold(ctx, tx, it, fsql.HeldByRule, "held by rule "+it.hold); err != nil {
				return err
			}
			held[it.key] = fsql.HeldByRule
			continue
		case held[it.key] == fsql.HeldByRule:
			// A version that passes the rules supersedes the held ones.
			if err := a.book.DropHeld(ctx, tx, it.key, fsql.HeldByRule); err != nil {
				return err
			}
			delete(held, it.key)
		}
		if careful {
			err, ferr := a.attempt(ctx, tx, messageID(it.msg), "ferry_change", func() error { return a.write(ctx, tx, []*item{it}) })
			if ferr != nil {
				return ferr
			}
			if err == nil {
				continue
			}
			switch a.classify(err) {
			case fsql.Retry:
				return err
			case fsql.ForeignKey, fsql.Unique:
				if err := a.hold(ctx, tx, it, fsql.HeldForRow, err.Error()); err != nil {
					return err
				}
				held[it.key] = fsql.HeldForRow
			default:
				if err := a.rejected(ctx); err != nil {
					return err
				}
				entries = append(entries, a.entry(it, dlq.ClassRejected, err.Error(), ""))
				blocked[it.key]++
			}
			continue
		}
		// One statement cannot write a row twice: a key seen again, or
		// another route, starts a new run.
		if len(run) > 0 && (run[0].route != it.route || inRun[it.key]) {
			if err := flush(); err != nil {
				return err
			}
		}
		run = append(run, it)
		inRun[it.key] = true
	}
	if err := flush(); err != nil {
		return err
	}
	if err := a.barriers(ctx, tx, items, &entries, blocked); err != nil {
		return err
	}
	if err := a.retryHeld(ctx, tx, &entries, blocked); err != nil {
		return err
	}
	if err := a.saveBlocked(ctx, tx, blocked); err != nil {
		return err
	}
	if err := a.recordProgress(ctx, tx, items); err != nil {
		return err
	}
	moved, err := a.advance(ctx, tx, items)
	if err != nil {
		return err
	}
	// The DLQ is written before the commit: a change is never lost between
	// the two. Written twice after a crash, an entry keeps its identity.
	if err := a.dlq.Write(ctx, entries); err != nil {
		return &daemon.Fatal{Err: fmt.Errorf("the DLQ cannot be written, so nothing was committed: %w", err)}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for k, off := range moved {
		a.next[k] = off
	}
	a.countWritten()
	for _, e := range entries {
		a.m.dlq.WithLabelValues(e.Route, e.Class).Inc()
	}
	return nil
}

// attempt runs write, one change, under the savepoint sp, and returns the
// change's own error (nil when it applied) and, apart, an error that ends
// the transaction. Where an error dooms the transaction
// (Facts.ErrorDoomsTransaction), rolling back to sp fails: attempt then
// ends the transaction with a doomedError for key, and the next try of
// the batch, which apply makes at once, finds the change's error under key
// and does not write it again.
func (a *Applier) attempt(ctx context.Context, tx *stdsql.Tx, key any, sp string, write func() error) (werr, err error) {
	if werr, ok := a.failed[key]; ok {
		return werr, nil
	}
	if err := a.tg.Savepoint(ctx, tx, sp); err != nil {
		return nil, err
	}
	if werr = write(); werr == nil {
		return nil, nil
	}
	if rerr := a.tg.RollbackTo(ctx, tx, sp); rerr != nil {
		switch {
		case a.classify(werr) == fsql.Retry:
			// A deadlock or a lost connection: the whole batch again.
			return nil, werr
		case a.d.Facts().ErrorDoomsTransaction:
			return nil, &doomedError{key: key, err: werr}
		}
		return nil, rerr
	}
	return werr, nil
}

// write applies a run of changes of one route and op.
func (a *Applier) write(ctx context.Context, tx *stdsql.Tx, run []*item) error {
	r := run[0].route
	var err error
	if run[0].op == 'd' {
		err = a.tg.Delete(ctx, tx, r.table, r.key, runKeys(run))
	} else {
		cols, rows := runRows(r, run)
		err = a.tg.Upsert(ctx, tx, r.table, r.key, cols, rows)
	}
	if err != nil {
		return fmt.Errorf("route %s: %w", r.name, err)
	}
	a.wrote(run)
	return nil
}

// writeAll applies changes of distinct keys, of any routes and ops, route
// by route, each route's deletes before its upserts. Where the target can
// (fsql.Writer), a route's deletes and upserts are one statement, so that
// rows that refer to each other land at once.
func (a *Applier) writeAll(ctx context.Context, tx *stdsql.Tx, its []*item) error {
	var routes []*route
	dels, ups := map[*route][]*item{}, map[*route][]*item{}
	for _, it := range its {
		if dels[it.route] == nil && ups[it.route] == nil {
			routes = append(routes, it.route)
		}
		if it.op == 'd' {
			dels[it.route] = append(dels[it.route], it)
		} else {
			ups[it.route] = append(ups[it.route], it)
		}
	}
	w, one := a.tg.(fsql.Writer)
	for _, r := range routes {
		d, u := dels[r], ups[r]
		if !one || len(d) == 0 || len(u) == 0 {
			for _, run := range [][]*item{d, u} {
				if len(run) == 0 {
					continue
				}
				if err := a.write(ctx, tx, run); err != nil {
					return err
				}
			}
			continue
		}
		cols, rows := runRows(r, u)
		if err := w.Write(ctx, tx, r.table, r.key, cols, runKeys(d), rows); err != nil {
			return fmt.Errorf("route %s: %w", r.name, err)
		}
		a.wrote(d)
		a.wrote(u)
	}
	return nil
}

// runKeys is the keys of a run of deletes.
func runKeys(run []*item) [][]json.RawMessage {
	keys := make([][]json.RawMessage, len(run))
	for i, it := range run {
		keys[i] = it.vals
	}
	return keys
}

// wrote counts a run of one op the transaction has written.
func (a *Applier) wrote(run []*item) {
	a.landed = append(a.landed, run...)
	op := "upsert"
	if run[0].op == 'd' {
		op = "delete"
	}
	a.written[[2]string{run[0].route.name, op}] += len(run)
}

// runRows lines up a run's rows on the columns any of them writes, in the
// table's order; a row without one of them writes NULL there.
func runRows(r *route, run []*item) ([]string, [][]json.RawMessage) {
	cols := run[0].cols
	for _, it := range run[1:] {
		if !slices.Equal(it.cols, cols) {
			cols = nil
			break
		}
	}
	rows := make([][]json.RawMessage, len(run))
	if cols != nil { // the usual case: every row writes the same columns
		for i, it := range run {
			rows[i] = it.vals
		}
		return cols, rows
	}
	columns := map[string]bool{}
	for _, it := range run {
		for _, c := range it.cols {
			columns[c] = true
		}
	}
	at := map[string]int{}
	for _, c := range r.table.Columns {
		if columns[c.Name] {
			at[c.Name] = len(cols)
			cols = append(cols, c.Name)
		}
	}
	for i, it := range run {
		rows[i] = make([]json.RawMessage, len(cols))
		for j, c := range it.cols {
			rows[i][at[c]] = it.vals[j]
		}
	}
	return cols, rows
}

// advance moves each partition's stored offset past the batch, from the
// value this applier knows: if another applier moved it, nothing commits.
func (a *Applier) advance(ctx context.Context, tx *stdsql.Tx, items []*item) (map[tp]int64, error) {
	last := map[tp]int64{}
	for _, it := range items {
		next := int64(it.msg.TopicPartition.Offset) + 1
		if it.stop {
			next-- // the partition waits at it
		}
		last[it.tp()] = max(last[it.tp()], next)
	}
	moves := make([]bookkeeping.OffsetMove, 0, len(last))
	first := false
	for k, next := range last {
		want, ok := a.next[k]
		if !ok {
			a.log.Debug("offset not assigned", "topic", k.topic, "partition", k.partition, "assigned", fmt.Sprint(a.next))
			return nil, errFenced // not assigned any more
		}
		first = first || want < 0
		moves = append(moves, bookkeeping.OffsetMove{Topic: k.topic, Partition: k.partition, Want: want, Next: next})
	}
	moved, err := a.book.AdvanceOffsets(ctx, tx, moves)
	if err != nil && first && a.classify(err) == fsql.Unique {
		// Another applier stored a partition's first offset at the same
		// time: where the insert cannot do nothing on a conflict (Oracle's
		// MERGE raises ORA-00001), this is how it says so.
		a.log.Debug("first offset stored by another applier", "err", err)
		return nil, errFenced
	}
	if err != nil {
		return nil, err
	}
	if !moved {
		a.log.Debug("offset moved", "moves", fmt.Sprint(moves))
		return nil, errFenced
	}
	return last, nil
}

// countWritten adds what the committed transaction wrote to the metric.
func (a *Applier) countWritten() {
	for k, n := range a.written {
		a.m.applied.WithLabelValues(k[0], k[1]).Add(float64(n))
	}
	clear(a.written)
	a.observeLanded()
}
