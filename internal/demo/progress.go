package demo

import (
	"fmt"
	"sync"
	"time"
)

// Counts are the generator's requests by outcome, as the client saw them.
type Counts struct {
	Requests     int64 // all of the below
	OK           int64 // 2xx and 3xx
	Unauthorized int64 // 401: failed logins
	ClientErrors int64 // other 4xx
	ServerErrors int64 // 5xx
	Unanswered   int64 // no response (connection error, timeout, cancelled)
	Elapsed      time.Duration
}

func (c Counts) String() string {
	rate := 0.0
	if c.Elapsed > 0 {
		rate = float64(c.Requests) / c.Elapsed.Seconds()
	}
	return fmt.Sprintf("%d requests in %s (%.1f/s): %d ok, %d failed logins (401), %d other 4xx, %d 5xx, %d unanswered",
		c.Requests, c.Elapsed.Round(time.Second), rate, c.OK, c.Unauthorized, c.ClientErrors, c.ServerErrors, c.Unanswered)
}

type counter struct {
	start time.Time
	mu    sync.Mutex
	c     Counts
}

func newCounter() *counter { return &counter{start: time.Now()} }

func (c *counter) add(status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.c.Requests++
	switch {
	case status == 0:
		c.c.Unanswered++
	case status < 400:
		c.c.OK++
	case status == 401:
		c.c.Unauthorized++
	case status < 500:
		c.c.ClientErrors++
	default:
		c.c.ServerErrors++
	}
}

func (c *counter) snapshot() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.c
	out.Elapsed = time.Since(c.start)
	return out
}

// reportProgress prints the counts every ProgressEvery, with the rate over
// the last interval, until stop is closed; then a last line.
func (g *generator) reportProgress(stop <-chan struct{}) {
	w := g.cfg.Progress
	if w == nil {
		<-stop
		return
	}
	t := time.NewTicker(g.cfg.ProgressEvery)
	defer t.Stop()
	var last int64
	lastAt := time.Now()
	for {
		select {
		case <-stop:
			fmt.Fprintf(w, "traffic stopped: %s\n", g.counts.snapshot())
			return
		case now := <-t.C:
			c := g.counts.snapshot()
			fmt.Fprintf(w, "traffic: %s; now %.1f/s\n", c, float64(c.Requests-last)/now.Sub(lastAt).Seconds())
			last, lastAt = c.Requests, now
		}
	}
}
