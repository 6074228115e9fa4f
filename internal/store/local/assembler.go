package local

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/lightbox-tracing/lightbox/segment"
)

// roundSize is how many traces one assembly round takes at most; a round's
// summaries are committed before Sync callers waiting on it are released.
const roundSize = 512

// assembler keeps the traces whose summary is stale, in the order they became
// stale, and summarizes each once its delay has passed. A trace written again
// while it waits is not queued twice: all its pieces that arrive within the
// delay are assembled together.
//
// Scheduling uses the real clock, not Options.Now, so that tests can move
// time for retention without freezing assembly.
type assembler struct {
	s     *Store
	delay time.Duration
	limit int

	mu       sync.Mutex
	queue    []*queued // FIFO; head at queue[0]
	byTrace  map[segment.TraceID]*queued
	enqueued uint64        // sequence number of the last queued trace
	done     uint64        // every trace queued up to this number is summarized
	flushTo  uint64        // traces queued up to this number are due now (Sync)
	progress chan struct{} // closed (and replaced) whenever done or the queue moves
	wake     chan struct{}
	errs     uint64 // assembly failures so far
	lastErr  error
}

type queued struct {
	tid  segment.TraceID
	part uint32
	due  time.Time
	seq  uint64
}

func newAssembler(s *Store, delay time.Duration, limit int) *assembler {
	return &assembler{
		s:        s,
		delay:    delay,
		limit:    limit,
		byTrace:  make(map[segment.TraceID]*queued),
		progress: make(chan struct{}),
		wake:     make(chan struct{}, 1),
	}
}

func (a *assembler) enqueue(tid segment.TraceID, part uint32) {
	a.add(tid, part, time.Now().Add(a.delay))
}

// enqueueNow queues a trace left pending by an earlier run: it is due at once.
func (a *assembler) enqueueNow(tid segment.TraceID, part uint32) { a.add(tid, part, time.Now()) }

func (a *assembler) add(tid segment.TraceID, part uint32, due time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if q, ok := a.byTrace[tid]; ok {
		q.part = part
		return
	}
	a.enqueued++
	q := &queued{tid: tid, part: part, due: due, seq: a.enqueued}
	a.byTrace[tid] = q
	a.queue = append(a.queue, q)
	if len(a.queue) == 1 {
		a.signal()
	}
}

func (a *assembler) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *assembler) pendingCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.queue)
}

// waitRoom blocks a writer while too many traces wait to be summarized, so
// that a writer faster than assembly slows down instead of growing memory.
func (a *assembler) waitRoom(ctx context.Context) error {
	for {
		a.mu.Lock()
		if len(a.queue) < a.limit {
			a.mu.Unlock()
			return nil
		}
		ch := a.progress
		a.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// sync returns once every trace queued before the call is summarized.
func (a *assembler) sync(ctx context.Context) error {
	a.mu.Lock()
	target, errs := a.enqueued, a.errs
	a.flushTo = max(a.flushTo, target)
	a.signal()
	a.mu.Unlock()
	for {
		a.mu.Lock()
		done, ch, failed, lastErr := a.done, a.progress, a.errs != errs, a.lastErr
		a.mu.Unlock()
		if done >= target {
			if failed {
				return fmt.Errorf("cannot summarize every trace: %w", lastErr)
			}
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("cannot sync store: %w", ctx.Err())
		}
	}
}

// run assembles due traces until stop is closed, then assembles every trace
// still queued and returns.
func (a *assembler) run(stop <-chan struct{}) {
	stopping := false
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		round, next := a.take(stopping)
		if len(round) > 0 {
			a.assembleRound(round)
			continue
		}
		if stopping {
			return
		}
		var timeout <-chan time.Time
		if !next.IsZero() {
			timer.Reset(time.Until(next))
			timeout = timer.C
		}
		select {
		case <-a.wake:
		case <-timeout:
		case <-stop:
			stopping = true
		}
	}
}

// take removes up to roundSize due traces from the head of the queue. It
// returns the due time of the next trace when none is due.
func (a *assembler) take(all bool) ([]*queued, time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	n := 0
	for n < len(a.queue) && n < roundSize {
		q := a.queue[n]
		if !all && q.seq > a.flushTo && q.due.After(now) {
			break
		}
		delete(a.byTrace, q.tid)
		n++
	}
	round := append([]*queued(nil), a.queue[:n]...)
	a.queue = a.queue[n:]
	if len(a.queue) == 0 {
		a.queue = nil // let the backing array go
	}
	var next time.Time
	if n == 0 && len(a.queue) > 0 {
		next = a.queue[0].due
	}
	return round, next
}

// assembleRound summarizes a round's traces on a few workers, each
// committing its own batches, then publishes progress.
func (a *assembler) assembleRound(round []*queued) {
	workers := min(len(round), max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	var next sync.Mutex
	i := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := a.s.newAssemblyBatch()
			for {
				next.Lock()
				if i == len(round) {
					next.Unlock()
					break
				}
				q := round[i]
				i++
				next.Unlock()
				if err := w.add(q.part, q.tid); err != nil {
					a.fail(err)
				}
			}
			if err := w.commit(); err != nil {
				a.fail(err)
			}
		}()
	}
	wg.Wait()
	a.mu.Lock()
	a.done = round[len(round)-1].seq
	close(a.progress)
	a.progress = make(chan struct{})
	a.mu.Unlock()
}

// fail records an assembly error. The trace's pending key stays on disk, so
// the trace is assembled again at the next Open.
func (a *assembler) fail(err error) {
	a.s.log.Error("cannot summarize trace", "err", err)
	a.mu.Lock()
	a.errs++
	a.lastErr = err
	a.mu.Unlock()
}
