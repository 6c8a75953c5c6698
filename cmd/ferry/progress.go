package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress shows how far long jobs are (a snapshot per table, verify per
// route): a bar each on a terminal, with rate and time left; otherwise a
// log line each every few seconds, and one when it ends.
type progress struct {
	p     *mpb.Progress // nil when not on a terminal
	unit  string        // "rows"
	every time.Duration
	items map[string]*progressItem
}

type progressItem struct {
	bar        *mpb.Bar
	start      time.Time
	lastLog    time.Time
	cur, total int64
	ended      bool
}

func newProgress(ctx context.Context, w io.Writer, unit string) *progress {
	p := &progress{unit: unit, every: 5 * time.Second, items: map[string]*progressItem{}}
	if isTerminal(w) {
		p.p = mpb.NewWithContext(ctx, mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(200*time.Millisecond))
	}
	return p
}

// update sets an item's count; total < 0 means unknown. The first update
// of a name adds it.
func (p *progress) update(name string, cur, total int64) {
	it := p.items[name]
	if it == nil {
		it = &progressItem{start: time.Now(), lastLog: time.Now()}
		p.items[name] = it
		if p.p != nil {
			it.bar = p.p.AddBar(max(total, cur, 1),
				mpb.PrependDecorators(decor.Name(name, decor.WC{C: decor.DindentRight | decor.DextraSpace}),
					decor.CountersNoUnit("%d / %d "+p.unit, decor.WCSyncWidth)),
				mpb.AppendDecorators(decor.AverageSpeed(0, "%.0f "+p.unit+"/s", decor.WCSyncSpace),
					decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO, decor.WCSyncSpace), "")))
		}
	}
	if it.ended {
		return
	}
	it.cur, it.total = cur, total
	if it.bar != nil {
		it.bar.SetTotal(max(total, cur, 1), false)
		it.bar.SetCurrent(cur)
		return
	}
	if time.Since(it.lastLog) >= p.every {
		it.lastLog = time.Now()
		p.log(name, it, "in progress")
	}
}

// end marks an item finished, in state (done, failed, ...).
func (p *progress) end(name string, cur int64, state string) {
	p.update(name, cur, -1)
	it := p.items[name]
	if it.ended {
		return
	}
	it.ended = true
	it.cur = cur
	if it.bar != nil {
		if state == "done" {
			it.bar.SetTotal(max(cur, 1), true)
			if cur == 0 {
				it.bar.SetCurrent(1)
			}
		} else {
			it.bar.Abort(false)
		}
		return
	}
	p.log(name, it, state)
}

func (p *progress) log(name string, it *progressItem, state string) {
	elapsed := time.Since(it.start)
	rate := float64(it.cur) / max(elapsed.Seconds(), 0.001)
	args := []any{"item", name, "state", state, p.unit, it.cur, "elapsed", elapsed.Round(time.Second).String(), "per_second", int64(rate)}
	if it.total >= 0 {
		args = append(args, "estimated", it.total)
		if left := it.total - it.cur; left > 0 && rate > 0 && state == "in progress" {
			args = append(args, "left", time.Duration(float64(left)/rate*float64(time.Second)).Round(time.Second).String())
		}
	}
	slog.Info(fmt.Sprintf("%s: %s", name, state), args...)
}

// wait lets the bars draw their last state; the progress is over.
func (p *progress) wait() {
	if p.p == nil {
		return
	}
	for _, it := range p.items {
		if !it.ended && it.bar != nil {
			it.bar.Abort(false)
		}
	}
	p.p.Wait()
	p.p = nil
}
