package applier

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"slices"
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
	return a.book.Blocked(ctx, tx, batchKeys(items))
}

// saveBlocked records the counts of keys that changed.
func (a *Applier) saveBlocked(ctx context.Context, tx *stdsql.Tx, counts map[string]int) error {
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
// A key with several changes waiting tries its latest first: each change
// carries the whole row, so the latest alone gives the row its final state,
// and it may apply where an earlier one cannot (a value the key held in
// between that another row has taken since, an insert its own delete ends).
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
	done, err := a.retryLatest(ctx, tx, held, blocked)
	if err != nil {
		return err
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
			werr, err := a.attempt(ctx, tx, messageID(m), "ferry_held", func() error { return a.write(ctx, tx, []*item{it}) })
			if err != nil {
				return err
			}
			if werr != nil {
				switch class := a.classify(werr); class {
				case fsql.Retry:
					return werr
				case fsql.ForeignKey, fsql.Unique:
					wait, dlqClass := a.cfg.Apply.ForeignKeyWait, dlq.ClassForeignKey
					if class == fsql.Unique {
						wait, dlqClass = a.cfg.Apply.UniqueWait, dlq.ClassUnique
					}
					if a.waited(h.Since) < wait {
						stuck[h.Key] = true
						continue
					}
					it.fail = a.entry(it, dlqClass, werr.Error(), "")
				default:
					it.fail = a.entry(it, dlq.ClassRejected, werr.Error(), "")
				}
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

// retryLatest applies, for each key with several changes waiting for a row,
// the latest of them, and releases them all when it applies. It returns
// the keys it released.
func (a *Applier) retryLatest(ctx context.Context, tx *stdsql.Tx, held []fsql.HeldChange, blocked map[string]int) (map[string]bool, error) {
	latest := map[string]int{}
	count := map[string]int{}
	for i, h := range held {
		if h.Kind == fsql.HeldForRow {
			latest[h.Key] = i
			count[h.Key]++
		}
	}
	done := map[string]bool{}
	for key, i := range latest {
		h := held[i]
		if count[key] < 2 || a.routes[h.Topic] == nil || a.paused[h.Topic] {
			continue
		}
		it := a.prepare(heldMessage(h))
		if it.fail != nil || it.op == 0 || blocked[it.key] > 0 {
			continue // the changes in order say what happens
		}
		if _, loaded := blocked[it.key]; !loaded {
			have, err := a.book.Blocked(ctx, tx, []string{it.key})
			if err != nil {
				return nil, err
			}
			if blocked[it.key] = have[it.key]; have[it.key] > 0 {
				continue
			}
		}
		werr, err := a.attempt(ctx, tx, latestKey(key), "ferry_held", func() error { return a.write(ctx, tx, []*item{it}) })
		if err != nil {
			return nil, err
		}
		if werr != nil {
			if a.classify(werr) == fsql.Retry {
				return nil, werr
			}
			continue
		}
		for _, hh := range held {
			if hh.Key == key && hh.Kind == fsql.HeldForRow {
				if err := a.book.Unhold(ctx, tx, hh.ID); err != nil {
					return nil, err
				}
			}
		}
		done[key] = true
	}
	return done, nil
}

// latestKey is attempt's key of the latest held change of a key, tried
// alone for it.
type latestKey string

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
	if err := a.book.SetBlocked(ctx, tx, blocked); err != nil {
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
