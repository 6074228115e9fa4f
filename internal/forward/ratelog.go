package forward

import (
	"log/slog"
	"sync"
	"time"
)

// rateLog logs a key's warning at most once per interval and says how many
// were held back, so that an upstream outage produces a line every few
// seconds rather than one per batch.
type rateLog struct {
	log      *slog.Logger
	interval time.Duration

	mu   sync.Mutex
	last map[string]time.Time
	held map[string]int
}

func newRateLog(log *slog.Logger, interval time.Duration) *rateLog {
	return &rateLog{log: log, interval: interval, last: map[string]time.Time{}, held: map[string]int{}}
}

func (r *rateLog) warn(key, msg string, args ...any) {
	r.mu.Lock()
	now := time.Now()
	if t, ok := r.last[key]; ok && now.Sub(t) < r.interval {
		r.held[key]++
		r.mu.Unlock()
		return
	}
	r.last[key] = now
	held := r.held[key]
	r.held[key] = 0
	r.mu.Unlock()
	args = append(args, "reason", key)
	if held > 0 {
		args = append(args, "suppressed", held)
	}
	r.log.Warn(msg, args...)
}

// flush reports the warnings still held back.
func (r *rateLog) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for key, n := range r.held {
		if n > 0 {
			r.log.Warn("similar messages were suppressed", "reason", key, "suppressed", n)
			r.held[key] = 0
		}
	}
}
