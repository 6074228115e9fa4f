package daemon

import (
	"errors"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/segment"
)

// batch is one WriteSegments call's worth of documents and the datagrams
// they came from.
type batch struct {
	docs      []*segment.Document
	datagrams int
	bytes     int
}

func (b *batch) add(p parsed) {
	b.docs = append(b.docs, p.docs...)
	b.datagrams++
	b.bytes += p.size
}

// runBatcher groups the documents of queue q and writes each group with
// one call, so that the store's fsync is shared by up to MaxBatch
// documents. A group is written when it is full or when its oldest
// document was read FlushInterval ago, whichever comes first.
//
// With several writers, each batcher owns a share of the traces (see
// shardOf): while one waits for its write, another collects the next
// group, so the store always has a write to work on, yet the documents of
// one trace still reach the store in the order they were parsed.
func (l *Listener) runBatcher(q chan parsed) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		first, ok := <-q
		if !ok {
			return
		}
		b := &batch{docs: make([]*segment.Document, 0, min(l.opts.MaxBatch, 2*len(q)+len(first.docs)))}
		b.add(first)
		open := true
		if len(b.docs) < l.opts.MaxBatch {
			timer.Reset(time.Until(first.at.Add(l.opts.FlushInterval)))
			open = l.fill(q, b, timer.C)
			timer.Stop()
		}
		l.write(b)
		if !open {
			return
		}
	}
}

// shardOf picks the batcher of a datagram's documents by trace ID.
func shardOf(docs []*segment.Document, shards int) int {
	if shards == 1 {
		return 0
	}
	var h uint32 = 2166136261 // FNV-1a
	id := docs[0].TraceID
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return int(h % uint32(shards))
}

// fill adds documents to b until it holds MaxBatch, or the queue is empty
// and due fires, or the queue is closed (then it returns false). Documents
// already queued always go in, even when due has fired: a batch whose
// deadline passed while the previous write ran must still take everything
// that waited behind it, or batches would shrink exactly under load.
func (l *Listener) fill(q chan parsed, b *batch, due <-chan time.Time) (open bool) {
	for len(b.docs) < l.opts.MaxBatch {
		select {
		case p, ok := <-q:
			if !ok {
				return false
			}
			b.add(p)
			continue
		default:
		}
		select {
		case p, ok := <-q:
			if !ok {
				return false
			}
			b.add(p)
		case <-due:
			return true
		}
	}
	return true
}

// write stores a batch, retrying with exponential backoff, and drops it
// (reason store_error) when the store keeps failing, so that a broken
// store costs data but never the listener.
func (l *Listener) write(b *batch) {
	defer l.release(b.datagrams, b.bytes)
	delay := l.retryBase
	for attempt := 1; ; attempt++ {
		if l.writeCtx.Err() != nil {
			l.drop(ReasonShutdown, b.datagrams, "dropped UDP documents: shutdown ended before they were written", "documents", len(b.docs))
			return
		}
		start := time.Now()
		err := l.opts.Writer.WriteSegments(l.writeCtx, b.docs)
		l.m.writeSeconds.Observe(time.Since(start).Seconds())
		if err == nil {
			l.m.batchDocs.Observe(float64(len(b.docs)))
			l.m.stored.Add(float64(b.datagrams))
			return
		}
		if l.writeCtx.Err() != nil {
			continue // counted as shutdown above
		}
		if attempt >= l.maxAttempts || errors.Is(err, store.ErrClosed) {
			l.drop(ReasonStoreError, b.datagrams, "dropped UDP documents: the store keeps failing",
				"documents", len(b.docs), "attempts", attempt, "err", err)
			return
		}
		l.rlog.Warn("store_retry", "cannot write UDP documents; retrying", "documents", len(b.docs), "attempt", attempt, "retry_in", delay, "err", err)
		select {
		case <-time.After(delay):
		case <-l.writeCtx.Done():
		}
		delay *= 2
	}
}
