package applier

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/dlq"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// A truncate of a source table travels as one message on every partition of
// the table's topic, all with the same seq (HELPERS.md, the reserved
// protocol). Each is a barrier: a partition that reaches it records its
// arrival in the target, in the transaction that stores its offset at the
// truncate, and stops there (stop.go). The transaction that finds every
// partition arrived applies the truncate as the route says, after every
// change before it on every partition and before any change after it, and
// marks the barrier done; each partition then resumes, goes past its copy
// of the truncate, and leaves. The state lives in the target, so this holds
// with the partitions spread over several appliers, across rebalances and
// after a crash.

// Message headers the relay sets on a truncate.
const (
	headerSeq        = "ferry.seq"
	headerPartitions = "ferry.partitions"
)

// barrierOf reads a truncate's seq and partition count: from the headers,
// else the seq from the envelope's source. A truncate from a producer that
// does not say how many partitions it reached (Debezium sends one message)
// counts as reaching one.
func barrierOf(m *kafka.Message, env *envelope) (seq int64, parts int, err error) {
	seqText, partsText := string(env.Source.Seq), ""
	for _, h := range m.Headers {
		switch h.Key {
		case headerSeq:
			seqText = string(h.Value)
		case headerPartitions:
			partsText = string(h.Value)
		}
	}
	if seq, err = strconv.ParseInt(seqText, 10, 64); err != nil {
		return 0, 0, fmt.Errorf("truncate without a seq (header %s or source.seq): %q", headerSeq, seqText)
	}
	parts = 1
	if partsText != "" {
		if parts, err = strconv.Atoi(partsText); err != nil || parts < 1 {
			return 0, 0, fmt.Errorf("truncate with header %s %q: want a partition count", headerPartitions, partsText)
		}
	}
	return seq, parts, nil
}

// barriers records the batch's truncates in tx and applies those whose
// partitions have now all arrived. Each truncate item either leaves its
// barrier (done: its partition goes past it) or stops its partition.
func (a *Applier) barriers(ctx context.Context, tx *stdsql.Tx, items []*item, entries *[]*dlq.Entry, blocked map[string]int) error {
	var order []barrier
	at := map[barrier][]*item{}
	for _, it := range items {
		if it.op != 't' {
			continue
		}
		b := barrier{*it.msg.TopicPartition.Topic, it.seq}
		if at[b] == nil {
			order = append(order, b)
		}
		at[b] = append(at[b], it)
	}
	for _, b := range order {
		its := at[b]
		var st fsql.BarrierState
		for _, it := range its {
			var err error
			st, err = a.book.Arrive(ctx, tx, fsql.Arrival{
				Topic: b.topic, Seq: b.seq, Partition: it.msg.TopicPartition.Partition,
				Offset: int64(it.msg.TopicPartition.Offset), Partitions: it.parts,
			})
			if err != nil {
				return err
			}
		}
		a.log.Debug("reached a truncate", "topic", b.topic, "seq", b.seq, "partitions", len(its),
			"arrived", fmt.Sprint(st.Arrived), "of", st.Partitions, "done", st.Done)
		done := st.Done
		if !done && st.Complete() {
			var err error
			if done, err = a.truncate(ctx, tx, its[0], b, st, entries, blocked); err != nil {
				return err
			}
		}
		for _, it := range its {
			k := it.tp()
			if done {
				if err := a.book.LeaveBarrier(ctx, tx, b.topic, b.seq, k.partition); err != nil {
					return err
				}
				continue
			}
			it.stop = true
			bb := b
			a.pending.addStop(k, &stop{offset: int64(it.msg.TopicPartition.Offset), at: &bb, since: time.Now()})
		}
	}
	return nil
}

// truncate applies a truncate whose partitions have all arrived, as its
// route says, and reports whether the barrier is finished: applied, or
// refused with a DLQ entry. A truncate that fails for a foreign key (rows
// of another table still refer to these) waits foreign_key_wait for them.
func (a *Applier) truncate(ctx context.Context, tx *stdsql.Tx, it *item, b barrier, st fsql.BarrierState, entries *[]*dlq.Entry, blocked map[string]int) (bool, error) {
	r := it.route
	if r.cfg.Truncate == config.TruncateReject {
		*entries = append(*entries, a.truncateEntry(it, st, dlq.ClassTruncate,
			fmt.Sprintf("the source table was truncated; the route's truncate: reject keeps the rows of %s", r.table)))
		a.log.Warn("a truncate of the source table was refused by the route and sent to the DLQ", "route", r.name, "seq", b.seq)
		a.pending.finished = append(a.pending.finished, b)
		return true, a.book.FinishBarrier(ctx, tx, b.topic, b.seq, false)
	}
	err, ferr := a.attempt(ctx, tx, b, "ferry_truncate", func() error {
		if r.cfg.Truncate == config.TruncateTruncate {
			return a.tg.Truncate(ctx, tx, r.table)
		}
		return a.tg.DeleteMatching(ctx, tx, r.table, r.constants)
	})
	if ferr != nil {
		return false, ferr
	}
	if err != nil {
		class := dlq.ClassRejected
		switch a.classify(err) {
		case fsql.Retry:
			return false, err
		case fsql.ForeignKey:
			first, ok := a.truncateFailed[b]
			if !ok {
				first = time.Now()
				a.truncateFailed[b] = first
			}
			if a.waited(first) < a.cfg.Apply.ForeignKeyWait {
				return false, nil
			}
			class = dlq.ClassForeignKey
		}
		delete(a.truncateFailed, b)
		*entries = append(*entries, a.truncateEntry(it, st, class, fmt.Sprintf("route %s: %s of %s: %v", r.name, r.cfg.Truncate, r.table, err)))
		a.pending.finished = append(a.pending.finished, b)
		return true, a.book.FinishBarrier(ctx, tx, b.topic, b.seq, false)
	}
	delete(a.truncateFailed, b)
	// What waited for a row, or in the DLQ, from before the truncate is
	// superseded: its keys go free.
	prefix := r.name + "|"
	if err := a.book.ForgetKeys(ctx, tx, prefix); err != nil {
		return false, err
	}
	for k := range blocked {
		if strings.HasPrefix(k, prefix) {
			blocked[k] = 0
		}
	}
	a.written[[2]string{r.name, "truncate"}]++
	a.pending.finished = append(a.pending.finished, b)
	a.log.Info("applied a truncate of the source table", "route", r.name, "as", r.cfg.Truncate, "seq", b.seq)
	return true, a.book.FinishBarrier(ctx, tx, b.topic, b.seq, true)
}

// truncateEntry is the one DLQ entry of a truncate, named after its copy
// on the lowest partition, so that whichever applier writes it, and however
// often, it is the same entry.
func (a *Applier) truncateEntry(it *item, st fsql.BarrierState, class, why string) *dlq.Entry {
	e := a.entry(it, class, why, "")
	p := slices.Min(slices.Collect(maps.Keys(st.Arrived)))
	e.Partition, e.Offset = p, st.Arrived[p]
	return e
}
