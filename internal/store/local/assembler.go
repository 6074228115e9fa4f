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

// heldBudget bounds the bytes of documents the assembler holds in memory
// (see queued.held); past it, traces are read back from disk instead.
const heldBudget = 64 << 20

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
	held     int // bytes of documents held by queued traces
}

// queued is a trace waiting to be summarized.
//
// Most traces are new: every document they have arrived since they were
// queued. For those the assembler keeps the written documents (held, with
// the Pebble sequence number that committed each, so that replacements
// resolve exactly as on disk) and the write sequences of their pending keys,
// and never reads the trace back or decodes its JSON twice. A trace with
// documents stored before it was queued is read from disk (inMemory false).
type queued struct {
	tid      segment.TraceID
	part     uint32
	due      time.Time
	seq      uint64
	inMemory bool
	held     []heldDoc
	writes   []uint64 // write sequences of the pending keys covered by held
	bytes    int
}

type heldDoc struct {
	doc       *segment.Document
	commitSeq uint64
}

// write is what WriteSegments tells the assembler about one trace.
type write struct {
	seq       uint64 // write sequence in the pending key
	commitSeq uint64 // Pebble sequence number of the batch
	docs      []*segment.Document
	isNew     bool
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

// enqueue queues a written trace, due after the delay.
func (a *assembler) enqueue(tid segment.TraceID, part uint32, w write) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q, ok := a.byTrace[tid]
	if !ok {
		q = a.pushLocked(tid, part, time.Now().Add(a.delay))
		q.inMemory = w.isNew
	}
	if q.part != part {
		q.part = part // retention moved the trace: only the disk knows
		a.releaseLocked(q)
	}
	if !q.inMemory {
		return
	}
	n := 0
	for _, d := range w.docs {
		n += len(d.Raw)
	}
	if a.held+n > heldBudget {
		a.releaseLocked(q)
		return
	}
	for _, d := range w.docs {
		q.held = append(q.held, heldDoc{d, w.commitSeq})
	}
	q.writes = append(q.writes, w.seq)
	q.bytes += n
	a.held += n
}

// releaseLocked makes a trace read from disk and frees what it held.
func (a *assembler) releaseLocked(q *queued) {
	a.held -= q.bytes
	q.inMemory, q.held, q.writes, q.bytes = false, nil, nil, 0
}

// enqueueNow queues a trace left pending by an earlier run: it is due at once.
func (a *assembler) enqueueNow(tid segment.TraceID, part uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.byTrace[tid]; !ok {
		a.pushLocked(tid, part, time.Now())
	}
}

func (a *assembler) pushLocked(tid segment.TraceID, part uint32, due time.Time) *queued {
	a.enqueued++
	q := &queued{tid: tid, part: part, due: due, seq: a.enqueued}
	a.byTrace[tid] = q
	a.queue = append(a.queue, q)
	if len(a.queue) == 1 {
		a.signal()
	}
	return q
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
		a.held -= q.bytes
		n++
	}
	round := append([]*queued(nil), a.queue[:n]...)
	clear(a.queue[:n]) // the backing array must not keep held documents alive
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
				if err := w.add(q); err != nil {
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
