package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// heldOutbox answers OldestTransaction from a script, one answer a call.
type heldOutbox struct {
	answers []heldAnswer
	calls   int
}

type heldAnswer struct {
	tx  fsql.OpenTransaction
	ok  bool
	err error
}

func (o *heldOutbox) OldestTransaction(context.Context) (fsql.OpenTransaction, bool, error) {
	a := o.answers[o.calls]
	o.calls++
	return a.tx, a.ok, a.err
}

func open(session string, age time.Duration) heldAnswer {
	return heldAnswer{tx: fsql.OpenTransaction{Age: age, Session: session}, ok: true}
}

// TestHeldReport: the gauge follows the oldest open transaction's age (0
// when none); a warning naming the session goes out once when it passes a
// minute, a note once when it clears or another transaction becomes the
// oldest; an error leaves the gauge as it was; a missing grant is said
// once and the relay stops asking.
func TestHeldReport(t *testing.T) {
	t.Parallel()
	hidden := fmt.Errorf("find the oldest open transaction: the login needs VIEW SERVER STATE: %w", fsql.ErrTransactionsHidden)
	steps := []struct {
		answer heldAnswer
		gauge  float64
		log    string // the lines logged, "level msg session=..." joined by "; "
	}{
		{heldAnswer{}, 0, ""},
		{open("session_id 53", 30*time.Second), 30, ""},
		{open("session_id 53", 59*time.Second), 59, ""},
		{open("session_id 53", 61500*time.Millisecond), 61.5, "WARN an open transaction holds the outbox's low-water mark back: changes committed after it began wait until it ends session=session_id 53 held=1m2s"},
		{open("session_id 53", 66*time.Second), 66, ""},
		{heldAnswer{err: errors.New("connection reset")}, 66, ""},
		{open("session_id 53", 71*time.Second), 71, ""},
		// 53 ends while 54 has been open for over a minute too.
		{open("session_id 54", 65*time.Second), 65, "INFO the outbox's low-water mark is no longer held back by that transaction session=session_id 53; " +
			"WARN an open transaction holds the outbox's low-water mark back: changes committed after it began wait until it ends session=session_id 54 held=1m5s"},
		{open("session_id 55", 2*time.Second), 2, "INFO the outbox's low-water mark is no longer held back by that transaction session=session_id 54"},
		{heldAnswer{}, 0, ""},
		{open("session_id 56", 90*time.Second), 90, "WARN an open transaction holds the outbox's low-water mark back: changes committed after it began wait until it ends session=session_id 56 held=1m30s"},
		{heldAnswer{}, 0, "INFO the outbox's low-water mark is no longer held back by that transaction session=session_id 56"},
		{heldAnswer{err: hidden}, 0, "WARN how long open transactions hold the outbox's low-water mark back is not measured err=" + hidden.Error()},
	}
	o := &heldOutbox{}
	for _, s := range steps {
		o.answers = append(o.answers, s.answer)
	}
	var lines []string
	log := slog.New(recorder{&lines})
	m := newMetrics(prometheus.NewRegistry(), "branch", true)
	h := &heldReport{outbox: o, gauge: m.lowWaterHeld, log: log}
	for i, s := range steps {
		lines = nil
		h.check(context.Background())
		if got := gaugeValue(t, m.lowWaterHeld); got != s.gauge {
			t.Errorf("step %d (%+v): gauge %v, want %v", i, s.answer, got, s.gauge)
		}
		if got := strings.Join(lines, "; "); got != s.log {
			t.Errorf("step %d (%+v): logged\n %q\nwant\n %q", i, s.answer, got, s.log)
		}
	}
	// Hidden transactions stay hidden: not asked again, nothing logged.
	lines = nil
	h.check(context.Background())
	if o.calls != len(steps) || len(lines) != 0 {
		t.Errorf("after the missing grant: %d calls (want %d), logged %q", o.calls, len(steps), lines)
	}
	h.reset()
	if got := gaugeValue(t, m.lowWaterHeld); got != 0 {
		t.Errorf("gauge %v after the relay stops leading, want 0", got)
	}
}

// recorder records each log line as "LEVEL msg k=v ...".
type recorder struct{ lines *[]string }

func (recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r recorder) WithAttrs([]slog.Attr) slog.Handler     { return r }
func (r recorder) WithGroup(string) slog.Handler          { return r }

func (r recorder) Handle(_ context.Context, rec slog.Record) error {
	line := rec.Level.String() + " " + rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		line += " " + a.Key + "=" + a.Value.String()
		return true
	})
	*r.lines = append(*r.lines, line)
	return nil
}

// TestHeldGaugeRegistered: the gauge exists only for outboxes whose
// low-water mark a transaction can hold back, so that a PostgreSQL
// source's dashboard shows no measure that cannot move.
func TestHeldGaugeRegistered(t *testing.T) {
	t.Parallel()
	for _, held := range []bool{true, false} {
		reg := prometheus.NewRegistry()
		newMetrics(reg, "branch", held)
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range families {
			if f.GetName() == "ferry_relay_low_water_mark_held_seconds" {
				n += len(f.GetMetric())
			}
		}
		if want := map[bool]int{true: 1, false: 0}[held]; n != want {
			t.Errorf("held %v: %d series, want %d", held, n, want)
		}
	}
}

func gaugeValue(t *testing.T, g prometheus.Gauge) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}
