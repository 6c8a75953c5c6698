package applier

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/applier/bookkeeping"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestFirstOffsetStoredByTwoAppliersAtOnce: two appliers store the first
// offset of a partition at the same time with an insert that raises a
// unique violation on a conflict, as Oracle's MERGE does (ORA-00001),
// where PostgreSQL's ON CONFLICT DO NOTHING affects no row. The second is
// fenced, as it is on PostgreSQL: not an error sent on to the batch's
// changes (which would wait on it as on a unique constraint of the table,
// then put them in the DLQ).
func TestFirstOffsetStoredByTwoAppliersAtOnce(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	d := postgres.Dialect{}
	b := d.Target().Bookkeeping("ferry")
	b.InsertOffset = `INSERT INTO ferry.apply_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)`
	book := bookkeeping.New(b, "g")
	ctx := context.Background()
	if err := book.Prepare(ctx, db, "ferry"); err != nil {
		t.Fatal(err)
	}
	topic := "hq.public.emp"
	newApplier := func() *Applier {
		return &Applier{d: d, book: book, log: slog.New(slog.NewTextHandler(io.Discard, nil)), next: map[tp]int64{{topic, 0}: -1}}
	}
	items := []*item{{msg: &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 0, Offset: 41}}}}

	first, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback()
	if _, err := newApplier().advance(ctx, first, items); err != nil {
		t.Fatal(err)
	}
	second, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Rollback()
	done := make(chan error, 1)
	go func() {
		_, err := newApplier().advance(ctx, second, items) // waits for the first to end
		done <- err
	}()
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, errFenced) {
		t.Fatalf("the second applier's first offset: %v, want it fenced", err)
	}
}
