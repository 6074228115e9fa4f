// Package ratelog writes warnings that repeat, such as one per dropped
// datagram, at a bounded rate: a misbehaving client or an upstream outage
// produces a few lines every interval, each saying how many like it were
// held back, instead of flooding the log.
package ratelog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Logger logs at most burst lines per interval for each key (a drop
// reason). The count of lines it held back is attached to the next line
// logged for the key, or to the line Flush writes.
type Logger struct {
	log      *slog.Logger
	interval time.Duration
	burst    int
	now      func() time.Time

	mu   sync.Mutex
	keys map[string]*rateWindow
}

type rateWindow struct {
	start      time.Time
	logged     int
	suppressed int
}

// New returns a Logger writing to log.
func New(log *slog.Logger, interval time.Duration, burst int) *Logger {
	return &Logger{log: log, interval: interval, burst: burst, now: time.Now, keys: map[string]*rateWindow{}}
}

// Warn logs msg at Warn level with a "reason" attribute set to key, unless
// the key already used its lines for this interval.
func (r *Logger) Warn(key, msg string, args ...any) {
	r.mu.Lock()
	now := r.now()
	w := r.keys[key]
	if w == nil {
		w = &rateWindow{start: now}
		r.keys[key] = w
	}
	if now.Sub(w.start) >= r.interval {
		w.start, w.logged = now, 0
	}
	if w.logged >= r.burst {
		w.suppressed++
		r.mu.Unlock()
		return
	}
	w.logged++
	suppressed := w.suppressed
	w.suppressed = 0
	r.mu.Unlock()

	attrs := make([]any, 0, len(args)+4)
	attrs = append(attrs, "reason", key)
	attrs = append(attrs, args...)
	if suppressed > 0 {
		attrs = append(attrs, "suppressed", suppressed)
	}
	r.log.Log(context.Background(), slog.LevelWarn, msg, attrs...)
}

// Flush reports the lines still held back, so that none go unmentioned
// when their writer stops.
func (r *Logger) Flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for key, w := range r.keys {
		if w.suppressed > 0 {
			r.log.Warn("similar messages were suppressed", "reason", key, "suppressed", w.suppressed)
			w.suppressed = 0
		}
	}
}
