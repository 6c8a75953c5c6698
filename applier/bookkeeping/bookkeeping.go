// Package bookkeeping keeps the applier's own records in a target: the
// Kafka offsets written with the rows they cover, changes held until they
// can apply, keys blocked behind the DLQ, replayed DLQ entries, and the
// barriers that truncates wait at. The logic is here, once, for every
// database; each dialect gives only its SQL (sql.Bookkeeping), which this
// package runs with the dialect's placeholders.
package bookkeeping

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ferry-cdc/ferry/internal/daemon"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// Store is one consumer group's records in one target.
type Store struct {
	sql   fsql.Bookkeeping
	group string
}

// New returns the records of group in the target's schema.
func New(sql fsql.Bookkeeping, group string) *Store {
	return &Store{sql: sql, group: group}
}

// Prepare creates the schema and the tables if they are missing.
func (s *Store) Prepare(ctx context.Context, db *stdsql.DB, schema string) error {
	create := s.sql.CreateSchema != ""
	if create && s.sql.SchemaExists != "" {
		var exists bool
		if err := db.QueryRowContext(ctx, s.sql.SchemaExists, schema).Scan(&exists); err != nil {
			return fmt.Errorf("look for the applier's schema %s: %w", schema, err)
		}
		create = !exists
	}
	stmts := s.sql.Create
	if create {
		stmts = append([]string{s.sql.CreateSchema}, stmts...)
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("prepare the applier's tables in schema %s: %w", schema, err)
		}
	}
	return nil
}

// Offsets reads the next offset to consume per partition of topic; a
// partition never applied is absent.
func (s *Store) Offsets(ctx context.Context, q fsql.Querier, topic string) (map[int32]int64, error) {
	o, err := partitionOffsets(ctx, q, s.sql.SelectOffsets, s.group, topic)
	if err != nil {
		return nil, fmt.Errorf("read applied offsets of %s: %w", topic, err)
	}
	return o, nil
}

// AdvanceOffset moves a partition's next offset from want to next in tx.
// It returns false when the stored offset is not want: another applier
// has moved it, and tx must be rolled back. want -1 means no offset is
// stored yet.
func (s *Store) AdvanceOffset(ctx context.Context, tx *stdsql.Tx, topic string, partition int32, want, next int64) (bool, error) {
	var res stdsql.Result
	var err error
	if want < 0 {
		res, err = tx.ExecContext(ctx, s.sql.InsertOffset, s.group, topic, partition, next)
	} else {
		res, err = tx.ExecContext(ctx, s.sql.AdvanceOffset, s.group, topic, partition, want, next)
	}
	if err != nil {
		return false, fmt.Errorf("record offset %d of %s[%d]: %w", next, topic, partition, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// OffsetMove is one partition's move in AdvanceOffsets.
type OffsetMove struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Want      int64  `json:"want"` // -1: no offset is stored yet
	Next      int64  `json:"next"`
}

// AdvanceOffsets makes every move of a batch in tx: the moves from a
// stored offset in one statement where the dialect has one
// (Bookkeeping.AdvanceOffsets), the others one by one. It returns false
// when any stored offset is not its move's Want, as AdvanceOffset does; an
// error of a first offset is AdvanceOffset's.
func (s *Store) AdvanceOffsets(ctx context.Context, tx *stdsql.Tx, moves []OffsetMove) (bool, error) {
	var stored []OffsetMove
	for _, m := range moves {
		if m.Want >= 0 && s.sql.AdvanceOffsets != "" {
			stored = append(stored, m)
			continue
		}
		if ok, err := s.AdvanceOffset(ctx, tx, m.Topic, m.Partition, m.Want, m.Next); err != nil || !ok {
			return false, err
		}
	}
	if len(stored) == 0 {
		return true, nil
	}
	doc, err := json.Marshal(stored)
	if err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, s.sql.AdvanceOffsets, s.group, string(doc))
	if err != nil {
		return false, fmt.Errorf("record the offsets of %d partitions: %w", len(stored), err)
	}
	n, err := res.RowsAffected()
	return n == int64(len(stored)), err
}

// AnyBlocked says whether any key of the group is blocked behind the DLQ.
func (s *Store) AnyBlocked(ctx context.Context, q fsql.Querier) (bool, error) {
	var found bool
	if err := q.QueryRowContext(ctx, s.sql.AnyBlocked, s.group).Scan(&found); err != nil {
		return false, fmt.Errorf("look for blocked keys: %w", err)
	}
	return found, nil
}

// fits reports whether the tables can hold key (Bookkeeping.MaxKeyBytes).
func (s *Store) fits(key string) bool {
	return s.sql.MaxKeyBytes == 0 || len(key) <= s.sql.MaxKeyBytes
}

// storable is keys without those the tables cannot hold, which a read
// cannot find.
func (s *Store) storable(keys []string) []string {
	if s.sql.MaxKeyBytes == 0 {
		return keys
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if s.fits(k) {
			out = append(out, k)
		}
	}
	return out
}

// tooLong is the error of keeping a key the tables cannot hold: it stops
// the applier, as a DLQ that cannot be written does.
func (s *Store) tooLong(what, key string) error {
	return &daemon.Fatal{Err: fmt.Errorf("%s: key %.60s... is %d bytes long, and the target's bookkeeping holds keys of at most %d bytes",
		what, key, len(key), s.sql.MaxKeyBytes)}
}

// Blocked returns, of keys, those with changes in the DLQ, and how many,
// and locks them until tx ends.
func (s *Store) Blocked(ctx context.Context, tx *stdsql.Tx, keys []string) (map[string]int, error) {
	out := map[string]int{}
	rows, err := tx.QueryContext(ctx, s.sql.SelectBlocked, s.group, list(s.storable(keys)))
	if err != nil {
		return nil, fmt.Errorf("read blocked keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("read blocked keys: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}

// SetBlocked records how many changes of each key wait in the DLQ; 0
// releases the key.
func (s *Store) SetBlocked(ctx context.Context, tx *stdsql.Tx, counts map[string]int) error {
	for k, n := range counts {
		if !s.fits(k) {
			if n <= 0 {
				continue // never stored
			}
			return s.tooLong("block a key behind the DLQ", k)
		}
		var err error
		if n <= 0 {
			_, err = tx.ExecContext(ctx, s.sql.DeleteBlocked, s.group, k)
		} else {
			_, err = tx.ExecContext(ctx, s.sql.UpsertBlocked, s.group, k, n)
		}
		if err != nil {
			return fmt.Errorf("record blocked key %s: %w", k, err)
		}
	}
	return nil
}

// HeldKeys returns, of keys, those with held changes, and whether any of
// them waits for a row (fsql.HeldForRow) rather than for a newer version.
func (s *Store) HeldKeys(ctx context.Context, tx *stdsql.Tx, keys []string) (map[string]string, error) {
	out := map[string]string{}
	rows, err := tx.QueryContext(ctx, s.sql.SelectHeldKeys, s.group, list(s.storable(keys)))
	if err != nil {
		return nil, fmt.Errorf("read held keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, kind string
		if err := rows.Scan(&k, &kind); err != nil {
			return nil, fmt.Errorf("read held keys: %w", err)
		}
		out[k] = kind
	}
	return out, rows.Err()
}

// DropHeld forgets a key's held changes of one kind: a newer version of
// the row supersedes the incomplete ones held by a rule.
func (s *Store) DropHeld(ctx context.Context, tx *stdsql.Tx, key, kind string) error {
	if !s.fits(key) {
		return nil // never held
	}
	if _, err := tx.ExecContext(ctx, s.sql.DropHeld, s.group, key, kind); err != nil {
		return fmt.Errorf("drop the held changes of %s: %w", key, err)
	}
	return nil
}

// Hold keeps a change in the target until it can apply.
func (s *Store) Hold(ctx context.Context, tx *stdsql.Tx, h fsql.HeldChange) error {
	if !s.fits(h.Key) {
		return s.tooLong("hold a change", h.Key)
	}
	_, err := tx.ExecContext(ctx, s.sql.Hold, s.group, h.Key, h.Kind, h.Topic, h.Partition, h.Offset, h.Reason,
		s.bytesIn(h.MessageKey), s.bytesIn(h.MessageValue))
	if err != nil {
		return fmt.Errorf("hold a change of %s: %w", h.Key, err)
	}
	return nil
}

// Held lists held changes, each key's in the order they were held.
func (s *Store) Held(ctx context.Context, q fsql.Querier) ([]fsql.HeldChange, error) {
	rows, err := q.QueryContext(ctx, s.sql.SelectHeld, s.group)
	if err != nil {
		return nil, fmt.Errorf("read held changes: %w", err)
	}
	defer rows.Close()
	var out []fsql.HeldChange
	for rows.Next() {
		var h fsql.HeldChange
		if err := rows.Scan(&h.ID, &h.Key, &h.Kind, &h.Topic, &h.Partition, &h.Offset, &h.Reason, &h.Since, &h.MessageKey, &h.MessageValue); err != nil {
			return nil, fmt.Errorf("read held changes: %w", err)
		}
		h.MessageKey, h.MessageValue = s.bytesOut(h.MessageKey), s.bytesOut(h.MessageValue)
		out = append(out, h)
	}
	return out, rows.Err()
}

// Unhold forgets a held change.
func (s *Store) Unhold(ctx context.Context, tx *stdsql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, s.sql.Unhold, s.group, id); err != nil {
		return fmt.Errorf("forget held change %d: %w", id, err)
	}
	return nil
}

// Replayed reports whether the DLQ entry id was already replayed into the
// target, and MarkReplayed records that it was, in tx: a replay cut short
// between its commit and its DLQ marker then skips it when rerun.
func (s *Store) Replayed(ctx context.Context, tx *stdsql.Tx, id string) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, s.sql.Replayed, s.group, id).Scan(&n); err != nil {
		return false, fmt.Errorf("look up replayed entry %s: %w", id, err)
	}
	return n > 0, nil
}

// MarkReplayed records that the DLQ entry id was replayed, in tx.
func (s *Store) MarkReplayed(ctx context.Context, tx *stdsql.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, s.sql.MarkReplayed, s.group, id); err != nil {
		return fmt.Errorf("mark entry %s replayed: %w", id, err)
	}
	return nil
}

// Arrive records, in tx, that a partition has reached a barrier (one
// change sent to every partition of a topic: a truncate), and returns the
// barrier's state with every arrival committed so far. It locks the
// barrier until tx ends, so that of appliers arriving at once each sees
// the others' arrivals, and one of them finishes it. Arriving again is
// harmless.
func (s *Store) Arrive(ctx context.Context, tx *stdsql.Tx, a fsql.Arrival) (fsql.BarrierState, error) {
	fail := func(err error) (fsql.BarrierState, error) {
		return fsql.BarrierState{}, fmt.Errorf("record partition %d at barrier %d of %s: %w", a.Partition, a.Seq, a.Topic, err)
	}
	if _, err := tx.ExecContext(ctx, s.sql.InsertBarrier, s.group, a.Topic, a.Seq, a.Partitions); err != nil {
		return fail(err)
	}
	// The lock orders appliers arriving at once: the second reads after the
	// first commits, so one of them sees every arrival.
	var st fsql.BarrierState
	if err := tx.QueryRowContext(ctx, s.sql.LockBarrier, s.group, a.Topic, a.Seq).Scan(&st.Partitions, &st.Done, &st.Since); err != nil {
		return fail(err)
	}
	if !st.Done {
		if _, err := tx.ExecContext(ctx, s.sql.InsertArrival, s.group, a.Topic, a.Seq, a.Partition, a.Offset); err != nil {
			return fail(err)
		}
	}
	arrived, err := s.arrivals(ctx, tx, a.Topic, []int64{a.Seq})
	if err != nil {
		return fail(err)
	}
	st.Arrived = arrived[a.Seq]
	return st, nil
}

func (s *Store) arrivals(ctx context.Context, q fsql.Querier, topic string, seqs []int64) (map[int64]map[int32]int64, error) {
	rows, err := q.QueryContext(ctx, s.sql.SelectArrivals, s.group, topic, list(seqs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]map[int32]int64{}
	for rows.Next() {
		var seq, off int64
		var p int32
		if err := rows.Scan(&seq, &p, &off); err != nil {
			return nil, err
		}
		if out[seq] == nil {
			out[seq] = map[int32]int64{}
		}
		out[seq][p] = off
	}
	return out, rows.Err()
}

// FinishBarrier records that the barrier's change has been dealt with,
// and when it was applied (rather than refused), the offset of each
// partition's copy of it, for Truncated.
func (s *Store) FinishBarrier(ctx context.Context, tx *stdsql.Tx, topic string, seq int64, applied bool) error {
	if _, err := tx.ExecContext(ctx, s.sql.FinishBarrier, s.group, topic, seq); err != nil {
		return fmt.Errorf("finish barrier %d of %s: %w", seq, topic, err)
	}
	if !applied {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.sql.RecordTruncated, s.group, topic, seq); err != nil {
		return fmt.Errorf("record the truncate at barrier %d of %s: %w", seq, topic, err)
	}
	return nil
}

// LeaveBarrier records that a partition has gone past a finished barrier;
// the barrier is forgotten when every partition has.
func (s *Store) LeaveBarrier(ctx context.Context, tx *stdsql.Tx, topic string, seq int64, partition int32) error {
	// Locked, as in Arrive: of two partitions leaving at once, the second
	// sees the first gone and forgets the barrier.
	var st fsql.BarrierState
	err := tx.QueryRowContext(ctx, s.sql.LockBarrier, s.group, topic, seq).Scan(&st.Partitions, &st.Done, &st.Since)
	if err != nil && !errors.Is(err, stdsql.ErrNoRows) {
		return fmt.Errorf("leave barrier %d of %s: %w", seq, topic, err)
	}
	if _, err := tx.ExecContext(ctx, s.sql.DeleteArrival, s.group, topic, seq, partition); err != nil {
		return fmt.Errorf("leave barrier %d of %s: %w", seq, topic, err)
	}
	if _, err := tx.ExecContext(ctx, s.sql.ForgetBarrier, s.group, topic, seq); err != nil {
		return fmt.Errorf("forget barrier %d of %s: %w", seq, topic, err)
	}
	return nil
}

// Barriers reads the state of a topic's barriers, by seq, without locking.
func (s *Store) Barriers(ctx context.Context, q fsql.Querier, topic string, seqs []int64) (map[int64]fsql.BarrierState, error) {
	rows, err := q.QueryContext(ctx, s.sql.SelectBarriers, s.group, topic, list(seqs))
	if err != nil {
		return nil, fmt.Errorf("read barriers of %s: %w", topic, err)
	}
	out := map[int64]fsql.BarrierState{}
	for rows.Next() {
		var seq int64
		var st fsql.BarrierState
		if err := rows.Scan(&seq, &st.Partitions, &st.Done, &st.Since); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read barriers of %s: %w", topic, err)
		}
		out[seq] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read barriers of %s: %w", topic, err)
	}
	arrived, err := s.arrivals(ctx, q, topic, seqs)
	if err != nil {
		return nil, fmt.Errorf("read barriers of %s: %w", topic, err)
	}
	for seq, st := range out {
		st.Arrived = arrived[seq]
		out[seq] = st
	}
	return out, nil
}

// Truncated returns, per partition of topic, the offset of the last
// truncate applied: a change before it has been superseded.
func (s *Store) Truncated(ctx context.Context, q fsql.Querier, topic string) (map[int32]int64, error) {
	o, err := partitionOffsets(ctx, q, s.sql.SelectTruncated, s.group, topic)
	if err != nil {
		return nil, fmt.Errorf("read the truncates of %s: %w", topic, err)
	}
	return o, nil
}

// ForgetKeys drops the held changes and releases the blocked keys whose
// key starts with prefix: a truncate has superseded them.
func (s *Store) ForgetKeys(ctx context.Context, tx *stdsql.Tx, prefix string) error {
	for _, q := range []string{s.sql.ForgetHeld, s.sql.ForgetBlocked} {
		if _, err := tx.ExecContext(ctx, q, s.group, prefix); err != nil {
			return fmt.Errorf("forget the keys of %s: %w", prefix, err)
		}
	}
	return nil
}

// partitionOffsets reads rows of (partition, offset).
func partitionOffsets(ctx context.Context, q fsql.Querier, query string, args ...any) (map[int32]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int32]int64{}
	for rows.Next() {
		var p int32
		var o int64
		if err := rows.Scan(&p, &o); err != nil {
			return nil, err
		}
		out[p] = o
	}
	return out, rows.Err()
}

// list is a list parameter: the text of a JSON array.
func list[T string | int64](items []T) string {
	if items == nil {
		items = []T{}
	}
	b, _ := json.Marshal(items) // strings and numbers always encode
	return string(b)
}

// bytesIn is message bytes as a held change stores them: nil as NULL,
// and where the database cannot tell no bytes from NULL, the bytes behind
// a prefix byte.
func (s *Store) bytesIn(b []byte) any {
	switch {
	case b == nil:
		return nil
	case s.sql.EmptyBytesAreNull:
		return append([]byte{1}, b...)
	}
	return b
}

// bytesOut is message bytes as bytesIn stored them.
func (s *Store) bytesOut(b []byte) []byte {
	if len(b) == 0 || !s.sql.EmptyBytesAreNull {
		return b
	}
	return b[1:]
}
