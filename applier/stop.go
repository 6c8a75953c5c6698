package applier

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"strconv"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/internal/daemon"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// A partition stops at a change that cannot apply yet, and waits there
// without losing its place: the batch applies the partition's changes
// before it, the stored offset moves to it (not past it), and the consumer
// pauses the partition and rewinds it to that change. Two things stop one:
//
//   - a truncate whose other partitions have not all reached it yet (a
//     barrier, see truncate.go): no change committed before the truncate
//     may be applied after it, nor one committed after it before it;
//   - a change carrying a column the target table lacks, for up to
//     schema_wait, while the catalog is read again every schemaCheck:
//     adding the column to the target lets it through.
//
// A stopped partition resumes when checkStopped finds its wait over, and
// the change it stopped at comes again. A rebalance forgets every stop: the
// partition's new owner starts from the stored offset, at the same change.

// pauser is the part of the consumer that stops and resumes partitions.
type pauser interface {
	Pause(partitions []kafka.TopicPartition) error
	Resume(partitions []kafka.TopicPartition) error
	SeekPartitions(partitions []kafka.TopicPartition) ([]kafka.TopicPartition, error)
}

// How often stopped partitions are looked at, and how often the catalog is
// read again for a partition waiting for a column.
const (
	stopCheck   = 250 * time.Millisecond
	schemaCheck = 2 * time.Second
	// truncateRetry is how often a truncate that failed for a foreign key
	// is tried again while its foreign_key_wait lasts.
	truncateRetry = time.Second
	// catalogCheck is how often the target's catalog version is read while
	// nothing else sends the applier there.
	catalogCheck = 5 * time.Second
)

// stop is a partition paused at the change at offset.
type stop struct {
	offset int64
	// at is the barrier it waits at, or column the "<route>|<column>" it
	// waits for.
	at     *barrier
	column string
	since  time.Time
}

// barrier identifies one truncate in its topic.
type barrier struct {
	topic string
	seq   int64
}

// pending is what a batch does to the partitions once it commits.
type pending struct {
	stops    map[tp]*stop
	rewind   map[tp]bool // changes after a stop were in the batch: rewind to the stored offset
	finished []barrier   // barriers this batch finished: partitions waiting at them go on
}

func (p pending) clone() pending {
	return pending{stops: maps.Clone(p.stops), rewind: maps.Clone(p.rewind), finished: slices.Clone(p.finished)}
}

func (p *pending) addStop(k tp, s *stop) {
	if p.stops == nil {
		p.stops = map[tp]*stop{}
	}
	p.stops[k] = s
}

func (p *pending) addRewind(k tp) {
	if p.rewind == nil {
		p.rewind = map[tp]bool{}
	}
	p.rewind[k] = true
}

// cut keeps, of each partition's changes, those before the first that
// stops it: a truncate (kept: the batch records its arrival, and may find
// it complete) or a change waiting for a column (left out). The rest come
// again once the partition resumes. It returns what the batch does to the
// partitions so far.
func (a *Applier) cut(items []*item) ([]*item, pending) {
	var p pending
	kept := items[:0:0]
	stopped := map[tp]bool{}
	for _, it := range items {
		k := it.tp()
		if stopped[k] || a.stopped[k] != nil {
			p.addRewind(k)
			continue
		}
		switch {
		case it.op == 't':
			stopped[k] = true
		case it.missing != "":
			since, ok := a.missing[it.missing]
			if !ok {
				since = time.Now()
				a.missing[it.missing] = since
				a.log.Warn("a change carries a column the target table lacks; its partition waits for it", "column", it.missing,
					"topic", k.topic, "partition", k.partition, "offset", it.msg.TopicPartition.Offset, "schema_wait", a.cfg.Apply.SchemaWait)
			}
			if time.Since(since) < a.cfg.Apply.SchemaWait {
				stopped[k] = true
				p.addStop(k, &stop{offset: int64(it.msg.TopicPartition.Offset), column: it.missing, since: time.Now()})
				p.addRewind(k)
				continue
			}
		}
		kept = append(kept, it)
	}
	return kept, p
}

// settle pauses and rewinds the partitions the committed batch stopped,
// rewinds those it cut short, and resumes those waiting at a barrier it
// finished.
func (a *Applier) settle() error {
	p := a.pending
	a.pending = pending{}
	if a.consumer == nil {
		return nil
	}
	var pause, seek, resume []kafka.TopicPartition
	part := func(k tp, off int64) kafka.TopicPartition {
		topic := k.topic
		return kafka.TopicPartition{Topic: &topic, Partition: k.partition, Offset: kafka.Offset(off)}
	}
	for k, s := range p.stops {
		// Rewound too: the consumer's position is past the change it stops at.
		a.stopped[k] = s
		pause = append(pause, part(k, s.offset))
		seek = append(seek, part(k, s.offset))
		what := "a column"
		if s.at != nil {
			what = "truncate " + strconv.FormatInt(s.at.seq, 10)
		}
		a.log.Debug("partition stopped", "topic", k.topic, "partition", k.partition, "offset", s.offset, "waits_for", what)
	}
	for k := range p.rewind {
		if p.stops[k] != nil {
			continue
		}
		if s := a.stopped[k]; s != nil {
			seek = append(seek, part(k, s.offset))
		} else if off, ok := a.next[k]; ok && off >= 0 {
			seek = append(seek, part(k, off))
		}
	}
	for _, b := range p.finished {
		for k, s := range a.stopped {
			if s.at != nil && *s.at == b {
				delete(a.stopped, k)
				resume = append(resume, part(k, s.offset))
			}
		}
	}
	return a.move(pause, seek, resume)
}

func (a *Applier) move(pause, seek, resume []kafka.TopicPartition) error {
	if len(pause) > 0 {
		if err := a.consumer.Pause(pause); err != nil {
			return fmt.Errorf("pause %v: %w", pause, err)
		}
	}
	if len(seek) > 0 {
		if _, err := a.consumer.SeekPartitions(seek); err != nil {
			return fmt.Errorf("rewind %v: %w", seek, err)
		}
	}
	if resume = a.unpaused(resume); len(resume) > 0 {
		if err := a.consumer.Resume(resume); err != nil {
			return fmt.Errorf("resume %v: %w", resume, err)
		}
	}
	return nil
}

// checkStopped resumes the partitions whose wait is over: the barrier is
// finished, or complete and due for another try; the column has appeared,
// or its schema_wait has passed.
func (a *Applier) checkStopped(ctx context.Context) error {
	var resume []kafka.TopicPartition
	resumeOne := func(k tp, s *stop) {
		delete(a.stopped, k)
		topic := k.topic
		resume = append(resume, kafka.TopicPartition{Topic: &topic, Partition: k.partition, Offset: kafka.Offset(s.offset)})
	}
	seqs := map[string][]int64{}
	waitsForColumn := false
	for k, s := range a.stopped {
		if s.at != nil {
			seqs[k.topic] = append(seqs[k.topic], s.at.seq)
		} else {
			waitsForColumn = true
		}
	}
	for topic, ss := range seqs {
		states, err := a.book.Barriers(ctx, a.db, topic, ss)
		if err != nil {
			return err
		}
		for k, s := range a.stopped {
			if s.at == nil || k.topic != topic {
				continue
			}
			st, ok := states[s.at.seq]
			if !ok || st.Done {
				delete(a.truncateFailed, *s.at)
			}
			if !ok || st.Done || st.Complete() && time.Since(s.since) >= truncateRetry {
				resumeOne(k, s)
			}
		}
	}
	if waitsForColumn && time.Since(a.refreshed) >= schemaCheck {
		changed, err := a.refresh(ctx)
		if err != nil {
			return err
		}
		for k, s := range a.stopped {
			if s.at == nil && (changed || time.Since(a.missing[s.column]) >= a.cfg.Apply.SchemaWait) {
				resumeOne(k, s)
			}
		}
	}
	return a.move(nil, nil, resume)
}

// loadRoutes reads the catalog's version, then the routes' tables.
func (a *Applier) loadRoutes(ctx context.Context) (map[string]*route, error) {
	rs, err := routes(ctx, a.cfg, a.target, a.d, a.db, a.log)
	if err != nil {
		return nil, &daemon.Fatal{Err: err}
	}
	a.routes = rs
	for _, r := range rs {
		var excluded []string
		source, table := r.cfg.SplitFrom()
		if src, ok := a.cfg.Source(source); ok {
			if t, ok := src.Table(table); ok {
				excluded = t.Exclude
			}
		}
		problems, notes := Review(r.cfg, r.table, nil, excluded)
		for _, p := range problems {
			a.log.Warn("route cannot work as configured", "route", r.name, "problem", p.Error())
		}
		for _, n := range notes {
			a.log.Debug("route", "route", r.name, "note", n)
		}
	}
	clear(a.missing)
	a.catalog = ""
	if _, err := a.refresh(ctx); err != nil {
		return nil, err
	}
	return rs, nil
}

// refresh reads the target catalog's version and, when it has changed since
// the routes' tables were read, reads them again. It reports whether it did.
func (a *Applier) refresh(ctx context.Context) (bool, error) {
	a.refreshed = time.Now()
	tables := make([]*fsql.Table, 0, len(a.routes))
	for _, r := range a.routes {
		tables = append(tables, &fsql.Table{Schema: r.schema, Name: r.tname})
	}
	v, err := a.tg.CatalogVersion(ctx, a.db, tables)
	if err != nil {
		return false, err
	}
	if v == a.catalog {
		return false, nil
	}
	// Read after the version: a change made meanwhile changes it again.
	for _, r := range a.routes {
		if err := r.describe(ctx, a.d, a.db); err != nil {
			return false, fmt.Errorf("read the target tables again after the catalog changed: %w", err)
		}
	}
	changed := a.catalog != ""
	a.catalog = v
	if changed {
		clear(a.missing)
		a.log.Info("the target's catalog changed; read the routed tables again")
	}
	return changed, nil
}
