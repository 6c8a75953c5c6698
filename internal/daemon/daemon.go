// Package daemon holds what Ferry's long-running loops share: a log that
// speaks once per change of state rather than once per retry, and the
// backoff between retries.
package daemon

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/sethvargo/go-retry"
)

// StateLog logs a line only when the state changes.
type StateLog struct {
	Log *slog.Logger
	mu  sync.Mutex
	cur string
}

// Set records state and logs msg if state differs from the last one.
func (s *StateLog) Set(state string, level slog.Level, msg string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == state {
		return
	}
	s.cur = state
	s.Log.Log(context.Background(), level, msg, args...)
}

// Get returns the current state.
func (s *StateLog) Get() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// RootCause is the innermost error's text, so that one failure retried with
// new wrapping text still counts as one state.
func RootCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

// NewBackoff is exponential from 100 ms to 10 s, with jitter.
func NewBackoff() retry.Backoff {
	return retry.WithJitterPercent(20, retry.WithCappedDuration(10*time.Second, retry.NewExponential(100*time.Millisecond)))
}

// Next is the backoff's next pause.
func Next(b retry.Backoff) time.Duration {
	d, _ := b.Next()
	return d
}

// Sleep pauses for d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Fatal wraps an error that retrying cannot cure (a change the envelope
// cannot carry, a DLQ that cannot be written): the loop stops and returns it.
type Fatal struct{ Err error }

func (e *Fatal) Error() string { return e.Err.Error() }
func (e *Fatal) Unwrap() error { return e.Err }
