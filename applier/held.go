package applier

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/dlq"
	"github.com/ferry-cdc/ferry/internal/daemon"
	fsql "github.com/ferry-cdc/ferry/sql"
)

func batchKeys(items []*item) []string {
	seen := map[string]bool{}
	var keys []string
	for _, it := range items {
		if !seen[it.key] {
			seen[it.key] = true
			keys = append(keys, it.key)
		}
	}
	return keys
}

// blocked reads, locked for this transaction, which of the batch's keys
// have changes in the DLQ (so that `ferry dlq replay` and the applier take
// turns on a key).
func (a *Applier) blocked(ctx context.Context, tx *stdsql.Tx, items []*item) (map[string]int, error) {
	if !a.blockedKnown {
		found, err := a.book.AnyBlocked(ctx, tx)
		if err != nil {
			return nil, err
		}
		a.mayBlock, a.blockedKnown = found, true
	}
	if !a.mayBlock {
		return map[string]int{}, nil // none: the batch's keys need no query
	}
	return a.book.Blocked(ctx, tx, batchKeys(items))
}

// saveBlocked records the counts of keys that changed.
func (a *Applier) saveBlocked(ctx context.Context, tx *stdsql.Tx, counts map[string]int) error {
	for _, n := range counts {
		if n > 0 {
			a.mayBlock = true
			break
		}
	}
	return a.book.SetBlocked(ctx, tx, counts)
}

func (a *Applier) heldKeys(ctx context.Context, tx *stdsql.Tx, items []*item) (map[string]string, error) {
	if !a.mayHold {
		return map[string]string{}, nil
	}
	return a.book.HeldKeys(ctx, tx, batchKeys(items))
}

// hold keeps a change in the target, with its message byte for byte.
func (a *Applier) hold(ctx context.Context, tx *stdsql.Tx, it *item, kind, why string) error {
	m := it.msg
	a.mayHold = true
	a.retrying = a.retrying || kind == fsql.HeldForRow
	a.m.held.WithLabelValues(it.route.name).Inc()
	return a.book.Hold(ctx, tx, fsql.HeldChange{
		Key: it.key, Kind: kind, Topic: *m.TopicPartition.Topic, Partition: m.TopicPartition.Partition,
		Offset: int64(m.TopicPartition.Offset), Reason: why, MessageKey: m.Key, MessageValue: m.Value,
	})
}

// retryHeld tries every held change again, each key's in order. A change
// that now applies is released; one whose wait for a foreign key or a
// unique value is over, or that fails for another reason, goes to the DLQ
// and blocks its key.
//
// The latest change of every key is tried first (retryLatest); only the
// keys it cannot land have their changes tried in order, which is what
// decides, once a wait is over, which change goes to the DLQ.
func (a *Applier) retryHeld(ctx context.Context, tx *stdsql.Tx, entries *[]*dlq.Entry, blocked map[string]int) error {
	if !a.mayHold {
		return nil
	}
	held, err := a.book.Held(ctx, tx)
	if err != nil {
		return err
	}
	a.mayHold = len(held) > 0
	a.retrying = slices.ContainsFunc(held, func(h fsql.HeldChange) bool { return h.Kind == fsql.HeldForRow })
	done, failed, err := a.retryLatest(ctx, tx, held, blocked)
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, h := range held {
		if h.Kind == fsql.HeldForRow {
			count[h.Key]++
		}
	}
	stuck := map[string]bool{} // keys whose earlier held change is still held
	for _, h := range held {
		if done[h.Key] || stuck[h.Key] || h.Kind == fsql.HeldByRule {
			continue // a rule's hold waits for a newer version, not for a retry
		}
		m := heldMessage(h)
		if a.routes[h.Topic] == nil || a.paused[h.Topic] {
			stuck[h.Key] = true // a route no longer configured, or paused: keep it
			continue
		}
		it := a.prepare(m)
		if _, loaded := blocked[it.key]; !loaded {
			// Not a key of this batch: read its count before changing it.
			have, err := a.book.Blocked(ctx, tx, []string{it.key})
			if err != nil {
				return err
			}
			blocked[it.key] = have[it.key]
		}
		if it.fail == nil && blocked[it.key] > 0 {
			it.fail = a.entry(it, dlq.ClassParked, "an earlier change of this key is in the DLQ", "")
		}
		if it.fail == nil && it.op != 0 {
			// The only change of its key was the latest, just tried alone.
			werr, tried := failed[h.Key]
			if !tried || count[h.Key] > 1 {
				if werr, err = a.attempt(ctx, tx, messageID(m), "ferry_held", func() error { return a.write(ctx, tx, []*item{it}) }); err != nil {
					return err
				}
			}
			if werr != nil {
				if a.classify(werr) == fsql.Retry {
					return werr
				}
				if !a.expired(h.Since, werr) {
					stuck[h.Key] = true
					continue
				}
				class := dlq.ClassRejected
				switch a.classify(werr) {
				case fsql.ForeignKey:
					class = dlq.ClassForeignKey
				case fsql.Unique:
					class = dlq.ClassUnique
				}
				it.fail = a.entry(it, class, werr.Error(), "")
				it.fail.First = h.Since
			}
		}
		if it.fail != nil {
			*entries = append(*entries, it.fail)
			blocked[it.key]++
		}
		if err := a.book.Unhold(ctx, tx, h.ID); err != nil {
			return err
		}
	}
	return nil
}

// retryLatest tries, of every key whose changes wait for a row, the latest
// change. Each carries the whole row, so the latest alone gives the row its
// final state, and it may apply where an earlier one cannot: a value the
// key held in between that another row has taken since, an insert its own
// delete ends, a parent that was deleted since.
//
// They are tried together first, one statement per route where the target
// can (writeAll): rows that refer to each other (a cycle through a table's
// foreign key to itself) can only land at once, and a row deleted frees its
// unique values for the others. When that fails, some of them still wait
// (or cannot apply): each is tried alone, in passes while any lands, since
// one landing may let another; then the rest together again. A key whose
// latest change lands is released, all its held changes. It returns those
// keys, and the error of each latest change that failed alone when nothing
// more could land.
func (a *Applier) retryLatest(ctx context.Context, tx *stdsql.Tx, held []fsql.HeldChange, blocked map[string]int) (map[string]bool, map[string]error, error) {
	latest := map[string]int{}
	since := map[string]time.Time{} // when a key's first change was held
	var keys, unread []string
	for i, h := range held {
		if h.Kind != fsql.HeldForRow {
			continue
		}
		if _, seen := latest[h.Key]; !seen {
			keys = append(keys, h.Key)
			since[h.Key] = h.Since
			if _, loaded := blocked[h.Key]; !loaded {
				unread = append(unread, h.Key)
			}
		}
		latest[h.Key] = i
	}
	if len(unread) > 0 {
		have, err := a.book.Blocked(ctx, tx, unread)
		if err != nil {
			return nil, nil, err
		}
		for _, key := range unread {
			blocked[key] = have[key]
		}
	}
	var todo []*item
	for _, key := range keys {
		h := held[latest[key]]
		if a.routes[h.Topic] == nil || a.paused[h.Topic] || blocked[key] > 0 {
			continue // the changes in order say what happens
		}
		if it := a.prepare(heldMessage(h)); it.fail == nil && (it.op == 'u' || it.op == 'd') {
			todo = append(todo, it)
		}
	}
	done := map[string]bool{}
	failed := map[string]error{}
	release := func(its []*item) error {
		now := map[string]bool{}
		for _, it := range its {
			done[it.key], now[it.key] = true, true
		}
		for _, h := range held {
			if now[h.Key] && h.Kind == fsql.HeldForRow {
				if err := a.book.Unhold(ctx, tx, h.ID); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// try writes its under a savepoint; a transient error ends the
	// transaction.
	try := func(its []*item) (werr, err error) {
		werr, err = a.attempt(ctx, tx, latestKeysOf(its), "ferry_held", func() error { return a.writeAll(ctx, tx, its) })
		if err == nil && werr != nil && a.classify(werr) == fsql.Retry {
			return nil, werr
		}
		return werr, err
	}
	for len(todo) > 0 {
		werr, err := try(todo)
		if err != nil {
			return nil, nil, err
		}
		if werr == nil {
			return done, failed, release(todo)
		}
		if len(todo) == 1 {
			failed[todo[0].key] = werr
			break
		}
		var landed, rest []*item
		for _, it := range todo {
			werr, err := try([]*item{it})
			if err != nil {
				return nil, nil, err
			}
			if werr != nil {
				failed[it.key] = werr
				rest = append(rest, it)
				continue
			}
			landed = append(landed, it)
		}
		if len(landed) == 0 {
			break
		}
		if err := release(landed); err != nil {
			return nil, nil, err
		}
		todo = rest
	}
	// One change that can never apply keeps the others from landing
	// together. Once a key's wait is over, and before it goes to the DLQ,
	// the rest are tried without it: if they land, it was in their way.
	for i, it := range todo {
		if len(todo) < 2 || !a.expired(since[it.key], failed[it.key]) {
			continue
		}
		rest := slices.Concat(todo[:i], todo[i+1:])
		werr, err := try(rest)
		if err != nil {
			return nil, nil, err
		}
		if werr != nil {
			continue
		}
		if err := release(rest); err != nil {
			return nil, nil, err
		}
		if werr, err = try([]*item{it}); err != nil {
			return nil, nil, err
		}
		if werr == nil {
			return done, failed, release([]*item{it})
		}
		failed[it.key] = werr
		break
	}
	return done, failed, nil
}

// expired says whether a change held since since, which the target refused
// with werr, has waited as long as it may: for a foreign key's row or a
// unique value, the wait configured; for anything else, no time at all.
func (a *Applier) expired(since time.Time, werr error) bool {
	switch a.classify(werr) {
	case fsql.ForeignKey:
		return a.waited(since) >= a.cfg.Apply.ForeignKeyWait
	case fsql.Unique:
		return a.waited(since) >= a.cfg.Apply.UniqueWait
	}
	return true
}

// latestKeys is attempt's key of the latest held changes of some keys,
// tried together: the same changes tried again in a new transaction, after
// one doomed the last, find their error under it.
type latestKeys string

func latestKeysOf(its []*item) latestKeys {
	ids := make([]string, len(its))
	for i, it := range its {
		ids[i] = fmt.Sprint(messageID(it.msg))
	}
	return latestKeys(strings.Join(ids, " "))
}

// heldMessage is the Kafka message a held change was.
func heldMessage(h fsql.HeldChange) *kafka.Message {
	topic := h.Topic
	return &kafka.Message{
		TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: h.Partition, Offset: kafka.Offset(h.Offset)},
		Key:            h.MessageKey, Value: h.MessageValue,
	}
}

// retryIdle retries the held changes when no batch is coming: a child whose
// parent arrived in the last batch, or whose wait is over, must not wait for
// more traffic.
func (a *Applier) retryIdle(ctx context.Context) error {
	a.failed = map[any]error{}
	for {
		err := a.retryHeldTx(ctx)
		if err == nil {
			return nil
		}
		if a.leaveOut(err) {
			continue
		}
		var fatal *daemon.Fatal
		if errors.As(err, &fatal) || a.classify(err) != fsql.Retry || ctx.Err() != nil {
			return err
		}
		daemon.Sleep(ctx, time.Second)
	}
}

func (a *Applier) retryHeldTx(ctx context.Context) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	a.begin()
	if err := a.tg.Immediate(ctx, tx); err != nil {
		return err
	}
	var entries []*dlq.Entry
	blocked := map[string]int{}
	if err := a.retryHeld(ctx, tx, &entries, blocked); err != nil {
		return err
	}
	if err := a.saveBlocked(ctx, tx, blocked); err != nil {
		return err
	}
	if err := a.dlq.Write(ctx, entries); err != nil {
		return &daemon.Fatal{Err: fmt.Errorf("the DLQ cannot be written, so nothing was committed: %w", err)}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	a.countWritten()
	return nil
}
