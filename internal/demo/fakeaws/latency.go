package fakeaws

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// Latency is a response-time distribution: log-normal around Median (most
// calls near it, a few several times slower), plus a rare long tail of
// calls that are slower still, as real services have.
type Latency struct {
	// Median is the typical response time.
	Median time.Duration
	// Sigma is the spread of the log-normal: 0.2 is tight, 0.8 wide.
	Sigma float64
	// TailRate is the fraction of calls that also take Tail (±50 %) longer.
	TailRate float64
	// Tail is the typical extra time of a tail call.
	Tail time.Duration
}

// Sample draws one response time.
func (l Latency) Sample() time.Duration {
	d := float64(l.Median) * math.Exp(l.Sigma*rand.NormFloat64())
	if l.TailRate > 0 && rand.Float64() < l.TailRate {
		d += float64(l.Tail) * (0.5 + rand.Float64())
	}
	return time.Duration(d)
}

// Scaled is l with every duration multiplied by f (tests run the demo
// faster than life).
func (l Latency) Scaled(f float64) Latency {
	l.Median = time.Duration(float64(l.Median) * f)
	l.Tail = time.Duration(float64(l.Tail) * f)
	return l
}

// sleep waits d or until ctx is done, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
