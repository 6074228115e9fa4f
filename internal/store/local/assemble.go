package local

import (
	"fmt"
	"math"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// assemblyBatchBytes is when a worker commits its summaries mid-round.
const assemblyBatchBytes = 1 << 20

// assemblyBatch collects the summaries of several traces into one Pebble
// batch. It is committed without fsync: a summary is derived data, and the
// batch that writes it also deletes the trace's pending keys, so a crash
// loses both or neither, and a lost summary is recomputed at Open.
type assemblyBatch struct {
	s        *Store
	b        *pebble.Batch
	postings postingCollector // the term index entries of the batch's summaries
}

func (s *Store) newAssemblyBatch() *assemblyBatch {
	return &assemblyBatch{s: s, b: s.db.NewBatch()}
}

func (w *assemblyBatch) commit() error {
	defer w.b.Close()
	w.flushPostings()
	if w.b.Empty() {
		return nil
	}
	if err := w.b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("cannot write summaries: %w", err)
	}
	return nil
}

// add summarizes one trace and deletes the pending keys of the writes it
// covers. For a trace read from disk it reads the pending keys first, then
// the documents (a later read, so every write whose pending key is deleted
// is included). It writes the new summary with Revision+1 and its index
// entries, unless late data changed nothing.
func (w *assemblyBatch) add(q *queued) (err error) {
	p, tid := q.part, q.tid
	defer func() {
		// A bug in assembly must not take ingest down with it; the trace
		// stays pending and is retried at the next Open.
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot assemble trace %s: panic: %v", tid, r)
		}
	}()
	s := w.s
	if !s.parts.has(p) {
		return nil // retention dropped the partition and everything in it
	}
	var pending [][]byte
	var docs []*segment.Document
	if q.inMemory {
		for _, seq := range q.writes {
			pending = append(pending, pendingKey(p, tid, seq))
		}
		docs = latest(q.held)
	} else {
		if pending, err = s.pendingKeys(p, tid); err != nil {
			return err
		}
		if docs, err = s.loadDocs(s.db, p, tid); err != nil {
			return err
		}
	}
	// Usually absent for a new trace; the bloom filter makes that cheap.
	prev, err := getSummary(s.db, p, tid)
	if err != nil {
		return err
	}
	for _, k := range pending {
		_ = w.b.Delete(k, nil)
	}
	if len(docs) > 0 {
		if err := w.putSummary(p, tid, docs, prev); err != nil {
			return err
		}
	}
	if w.b.Len()+w.postings.bytes >= assemblyBatchBytes {
		w.flushPostings()
		b := w.b
		w.b = s.db.NewBatch()
		defer b.Close()
		if err := b.Commit(pebble.NoSync); err != nil {
			return fmt.Errorf("cannot write summaries: %w", err)
		}
	}
	return nil
}

func (w *assemblyBatch) putSummary(p uint32, tid segment.TraceID, docs []*segment.Document, prev *trace.Summary) error {
	s := w.s
	sum := trace.Assemble(tid.String(), docs).Summary()
	sum.ID = tid.String()
	if prev != nil && sameContent(prev, sum) {
		return nil
	}
	sum.Revision = 1
	if prev != nil {
		sum.Revision = prev.Revision + 1
	}
	sum.UpdatedAt = float64(s.opts.Now().UnixNano()) / float64(time.Second)
	_ = w.b.Set(summaryKey(p, tid), encodeSummary(sum), nil)
	// The previous revision's postings stay: a query skips them because
	// their revision is no longer the summary's (FORMAT.md, "Term index").
	w.postings.add(p, tid, sum)

	// A random (W3C) trace ID is indexed at the trace's start, which an
	// earlier document arriving later can move.
	epoch := tid.IndexTime(sum.StartTime)
	if prev != nil {
		if prevEpoch := tid.IndexTime(prev.StartTime); prevEpoch != epoch {
			_ = w.b.Delete(indexKey(p, indexTraceID, prevEpoch, tid), nil)
			_ = w.b.Set(indexKey(p, indexTraceID, epoch, tid), nil, nil)
		}
		// Index entries of the previous revision that moved must go.
		if prev.StartTime != sum.StartTime {
			_ = w.b.Delete(indexKey(p, indexStart, prev.StartTime, tid), nil)
		}
		if prev.EndTime != sum.EndTime {
			_ = w.b.Delete(indexKey(p, indexEnd, prev.EndTime, tid), nil)
		}
	} else {
		_ = w.b.Set(indexKey(p, indexTraceID, epoch, tid), nil, nil)
		s.summarized.Add(1)
	}
	_ = w.b.Set(indexKey(p, indexStart, sum.StartTime, tid), encodeFloat(sum.EndTime), nil)
	_ = w.b.Set(indexKey(p, indexEnd, sum.EndTime, tid), nil, nil)
	if d := sum.EndTime - sum.StartTime; d > 0 && !math.IsInf(d, 0) && s.parts.raiseMaxDuration(p, d) {
		_ = w.b.Set(maxDurKey(p, d), nil, nil)
	}
	return nil
}

// flushPostings writes the gathered postings into the batch; each flush
// takes its own write sequence, so its blocks never replace another's.
func (w *assemblyBatch) flushPostings() {
	if !w.postings.empty() {
		w.postings.flush(w.b, w.s.writeSeq.Add(1))
	}
}

// pendingKeys returns the keys marking a trace pending.
func (s *Store) pendingKeys(p uint32, tid segment.TraceID) ([][]byte, error) {
	lo := appendTraceKey(nil, p, kindPending, tid)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, fmt.Errorf("cannot read pending keys of trace %s: %w", tid, err)
	}
	defer it.Close()
	var keys [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		keys = append(keys, append([]byte(nil), it.Key()...))
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("cannot read pending keys of trace %s: %w", tid, err)
	}
	return keys, nil
}

// latest resolves documents written more than once the way storage did: the
// one committed last wins.
func latest(held []heldDoc) []*segment.Document {
	idx := make(map[string]int, len(held))
	docs := make([]*segment.Document, 0, len(held))
	seqs := make([]uint64, 0, len(held))
	for _, h := range held {
		if i, ok := idx[h.doc.ID]; ok {
			if h.commitSeq >= seqs[i] {
				docs[i], seqs[i] = h.doc, h.commitSeq
			}
			continue
		}
		idx[h.doc.ID] = len(docs)
		docs = append(docs, h.doc)
		seqs = append(seqs, h.commitSeq)
	}
	return docs
}
