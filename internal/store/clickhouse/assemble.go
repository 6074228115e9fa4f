package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// summaryColumns are the columns of a summary row, in insert order.
var summaryColumns = []string{"day", "trace_id", "rev", "max_stamp", "tepoch", "tstart", "tend", "terms", "summary"}

// assembler summarizes the traces this node wrote, in the background:
// after AssembleDelay it re-reads every stored write of each trace and
// inserts a summary row whose rev is the number of writes it read (see
// docs/design/clickhouse.md for why that makes several writers agree).
type assembler struct {
	s    *Store
	mu   sync.Mutex
	cond *sync.Cond
	// waiting: trace ID → when it was first written since its last summary.
	waiting map[string]time.Time
	// queue holds the waiting traces oldest first, so that each round
	// takes the traces that waited longest without looking at the others,
	// and, under a backlog, traces written close together in time: their
	// IDs (which start with the epoch) share granules, and their documents
	// are the ones recent holds. An entry whose time is not its trace's
	// waiting time is stale (the trace was summarized since) and skipped.
	queue    []waitEntry
	head     int // queue[head:] is live
	inflight int
	urgent   int // Sync calls waiting: summarize without delay
	stopping bool
	stopBy   time.Time // Close summarizes until then
	kick     chan struct{}
	done     chan struct{}

	// recent holds the documents this node wrote and has not summarized
	// yet, by trace ID, so that summarizing re-reads from ClickHouse only
	// which writes exist (small columns) and the documents other nodes
	// wrote. Bounded by recentLimit bytes; what does not fit is re-read.
	recent      map[string][]cachedDoc
	recentBytes int
}

type waitEntry struct {
	id string
	t  time.Time
}

// wait marks a trace as waiting since t unless it already waits; the
// caller holds mu.
func (a *assembler) wait(id string, t time.Time) {
	if _, ok := a.waiting[id]; ok {
		return
	}
	a.waiting[id] = t
	a.queue = append(a.queue, waitEntry{id, t})
}

// takeDue removes from the waiting traces up to assembleBatch of those due
// (all of them when all is set) and returns them, with the waiting time of
// the first that is not due yet (zero if none); the caller holds mu.
func (a *assembler) takeDue(now time.Time, all bool) (due []string, next time.Time) {
	for a.head < len(a.queue) && len(due) < assembleBatch {
		e := a.queue[a.head]
		t, ok := a.waiting[e.id]
		if !ok || !t.Equal(e.t) {
			a.head++
			continue
		}
		if !all && now.Sub(t) < a.s.opts.AssembleDelay {
			next = t
			break
		}
		due = append(due, e.id)
		delete(a.waiting, e.id)
		a.head++
	}
	if a.head > 4096 && a.head*2 > len(a.queue) {
		a.queue = append([]waitEntry(nil), a.queue[a.head:]...)
		a.head = 0
	}
	return due, next
}

// cachedDoc is one document this node wrote.
type cachedDoc struct {
	id    string
	stamp uint64
	raw   []byte
}

// closeTimeout bounds how long Close spends summarizing what is waiting.
const closeTimeout = 20 * time.Second

// recentLimit bounds the documents kept for summarizing.
const recentLimit = 256 << 20

// assembleBatch is the most traces one round reads.
const assembleBatch = 1000

func newAssembler(s *Store) *assembler {
	a := &assembler{s: s, waiting: make(map[string]time.Time), kick: make(chan struct{}, 1), done: make(chan struct{}),
		recent: make(map[string][]cachedDoc)}
	a.cond = sync.NewCond(&a.mu)
	return a
}

func (a *assembler) poke() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// add marks traces as needing a summary, and keeps the documents this
// node wrote of them (docs[trace ID]) while there is room.
func (a *assembler) add(ids []string, docs map[string][]cachedDoc) {
	now := a.s.now()
	a.mu.Lock()
	for _, id := range ids {
		a.wait(id, now)
	}
	for id, ds := range docs {
		for _, d := range ds {
			if a.recentBytes+len(d.raw) > recentLimit {
				break
			}
			a.recent[id] = append(a.recent[id], d)
			a.recentBytes += len(d.raw)
		}
	}
	a.mu.Unlock()
	a.poke()
}

// cached returns the document of one write if this node keeps it.
func (a *assembler) cached(id string, row *docRow) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, d := range a.recent[id] {
		if d.stamp == row.stamp && d.id == row.id {
			return d.raw
		}
	}
	return nil
}

// forget drops the kept documents of a trace written up to stamp (those
// written later belong to its next summary).
func (a *assembler) forget(id string, upTo uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ds := a.recent[id]
	keep := ds[:0]
	for _, d := range ds {
		if d.stamp > upTo {
			keep = append(keep, d)
		} else {
			a.recentBytes -= len(d.raw)
		}
	}
	if len(keep) == 0 {
		delete(a.recent, id)
	} else {
		a.recent[id] = keep
	}
}

func (a *assembler) pending() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return int64(len(a.waiting) + a.inflight)
}

// stop summarizes everything waiting, then ends run (called by the
// flusher after its last flush).
func (a *assembler) stop() {
	a.mu.Lock()
	a.stopping = true
	a.stopBy = a.s.now().Add(closeTimeout)
	a.mu.Unlock()
	a.poke()
	<-a.done
}

// sync waits until nothing is waiting or being summarized.
func (a *assembler) sync(ctx context.Context) error {
	a.mu.Lock()
	a.urgent++
	a.mu.Unlock()
	a.poke()
	stop := context.AfterFunc(ctx, func() {
		a.mu.Lock()
		a.cond.Broadcast()
		a.mu.Unlock()
	})
	defer stop()
	a.mu.Lock()
	defer a.mu.Unlock()
	defer func() { a.urgent-- }()
	for len(a.waiting)+a.inflight > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("cannot sync: %w", err)
		}
		a.cond.Wait()
	}
	return nil
}

func (a *assembler) run() {
	defer a.s.wg.Done()
	defer close(a.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		a.mu.Lock()
		now := a.s.now()
		due, next := a.takeDue(now, a.stopping || a.urgent > 0)
		a.inflight = len(due)
		stopping := a.stopping
		if stopping && len(due) > 0 && a.s.now().After(a.stopBy) {
			// Close is taking too long: the rest is in ClickHouse, and
			// whichever node looks next summarizes it.
			a.s.log.Warn("closing with traces not yet summarized", "traces", len(a.waiting)+len(due))
			a.waiting = map[string]time.Time{}
			a.queue, a.head = nil, 0
			a.inflight = 0
			due = nil
		}
		a.mu.Unlock()

		if len(due) > 0 {
			slices.Sort(due) // neighbouring trace IDs share granules
			failed := a.summarize(due)
			a.mu.Lock()
			a.inflight = 0
			if len(failed) > 0 && !stopping {
				later := a.s.now()
				for _, id := range failed {
					a.wait(id, later)
				}
			}
			a.cond.Broadcast()
			a.mu.Unlock()
			if len(failed) > 0 && !stopping {
				// ClickHouse is failing: wait before the retry.
				select {
				case <-time.After(time.Second):
				case <-a.kick:
				}
			}
			continue
		}
		a.mu.Lock()
		a.cond.Broadcast()
		a.mu.Unlock()
		if stopping {
			return
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = max(next.Add(a.s.opts.AssembleDelay).Sub(now), time.Millisecond)
		}
		timer.Reset(wait)
		select {
		case <-a.kick:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// summarize recomputes and stores the summaries of ids; it returns the IDs
// that failed.
func (a *assembler) summarize(ids []string) []string {
	s := a.s
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	traces, err := s.loadRows(ctx, ids, false)
	if err != nil {
		s.log.Warn("cannot read traces to summarize", "traces", len(ids), "err", err)
		return ids
	}
	// The writes that count, with their documents: kept in memory when
	// this node wrote them, else read from ClickHouse.
	winners := make(map[string][]docRow, len(traces))
	need := make(map[string][]*docRow)
	for id, t := range traces {
		w := t.latest()
		winners[id] = w
		for i := range w {
			if w[i].raw = a.cached(id, &w[i]); w[i].raw == nil {
				need[id] = append(need[id], &w[i])
			}
		}
	}
	if len(need) > 0 {
		if err := s.fetchRaw(ctx, need); err != nil {
			s.log.Warn("cannot read documents to summarize", "traces", len(need), "err", err)
			return ids
		}
	}
	var w rowWriter
	n := 0
	for _, id := range ids {
		t := traces[id]
		if t == nil {
			a.forget(id, ^uint64(0)) // dropped by retention meanwhile
			continue
		}
		if err := s.appendSummary(&w, id, t, winners[id]); err != nil {
			s.log.Warn("cannot summarize trace", "trace", id, "err", err)
			continue
		}
		n++
	}
	if n > 0 {
		if err := s.c.insert(ctx, s.layout.table("summaries"), summaryColumns, w.b, nil); err != nil {
			s.log.Warn("cannot store summaries", "traces", n, "err", err)
			return ids
		}
	}
	// Counted before the traces leave the pending set, which is what Sync
	// waits for: after Sync, Stats counts them.
	s.traces.Add(int64(n))
	for id, t := range traces {
		a.forget(id, t.maxStamp)
	}
	return nil
}

// appendSummary assembles one trace from the writes that count (their
// documents filled in) and appends its summary row.
func (s *Store) appendSummary(w *rowWriter, id string, t *traceRows, latest []docRow) error {
	tid, err := segment.ParseTraceID(id)
	if err != nil {
		return err
	}
	for _, r := range latest {
		if r.raw == nil {
			return fmt.Errorf("document %s (write %d) was not found", r.id, r.stamp)
		}
	}
	docs, err := decodeRows(id, latest)
	if err != nil {
		return err
	}
	sum := trace.Assemble(id, docs).Summary()
	sum.Revision = int64(len(t.rows))
	now := s.now()
	sum.UpdatedAt = float64(now.UnixNano()) / 1e9
	w.u16(homeDay(tid, sum.StartTime))
	w.str(id)
	w.u64(uint64(sum.Revision))
	w.u64(t.maxStamp)
	w.u64(orderedTime(tid.IndexTime(sum.StartTime)))
	w.u64(orderedTime(sum.StartTime))
	w.u64(orderedTime(sum.EndTime))
	w.strs(sum.Terms())
	w.bytes(encodeSummary(sum))
	return nil
}

// recoverPending queues the traces whose newest write (stamped in
// [since, until), until zero meaning now) is newer than their newest
// summary: a node wrote them and stopped before summarizing.
func (s *Store) recoverPending(ctx context.Context, since, until time.Time) {
	cond := fmt.Sprintf("stamp >= %d", since.UnixMicro())
	having := ""
	if !until.IsZero() {
		having = fmt.Sprintf(" HAVING s < %d", until.UnixMicro())
	}
	docs, sums := s.layout.table("documents"), s.layout.table("summaries")
	q := "SELECT trace_id FROM (SELECT trace_id, max(stamp) AS s FROM " + docs + " WHERE " + cond + " GROUP BY trace_id" + having + ")" +
		" ANY LEFT JOIN (SELECT trace_id, max(max_stamp) AS m FROM " + sums +
		" WHERE trace_id IN (SELECT trace_id FROM " + docs + " WHERE " + cond + ") GROUP BY trace_id) USING trace_id WHERE s > m"
	b, err := s.c.query(ctx, q)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("cannot look for unsummarized traces", "err", err)
		}
		return
	}
	r := rowReader{b: b}
	var ids []string
	for r.more() {
		ids = append(ids, r.str())
	}
	if len(ids) > 0 {
		// In trace-ID order, which is epoch order for X-Ray IDs: each
		// round then reads neighbouring granules.
		slices.Sort(ids)
		s.log.Info("summarizing traces another run left unsummarized", "traces", len(ids))
		s.asm.add(ids, nil)
	}
}
