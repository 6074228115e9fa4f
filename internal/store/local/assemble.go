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
	s *Store
	b *pebble.Batch
}

func (s *Store) newAssemblyBatch() *assemblyBatch {
	return &assemblyBatch{s: s, b: s.db.NewBatch()}
}

func (w *assemblyBatch) commit() error {
	defer w.b.Close()
	if w.b.Empty() {
		return nil
	}
	if err := w.b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("cannot write summaries: %w", err)
	}
	return nil
}

// add summarizes one trace: it reads the trace's pending keys, then its
// documents (a later read, so every write whose pending key is deleted here
// is included), and writes the new summary with Revision+1 and its index
// entries, unless late data changed nothing.
func (w *assemblyBatch) add(p uint32, tid segment.TraceID) (err error) {
	defer func() {
		// A bug in assembly must not take ingest down with it; the trace
		// stays pending and is retried at the next Open.
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot assemble trace %s: panic: %v", tid, r)
		}
	}()
	s := w.s
	pending, err := s.pendingKeys(p, tid)
	if err != nil {
		return err
	}
	docs, err := s.loadDocs(s.db, p, tid)
	if err != nil {
		return err
	}
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
	if w.b.Len() >= assemblyBatchBytes {
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
	v, err := encodeSummary(sum)
	if err != nil {
		return fmt.Errorf("cannot encode summary of trace %s: %w", tid, err)
	}
	_ = w.b.Set(summaryKey(p, tid), v, nil)

	epoch := float64(tid.Epoch())
	if prev != nil {
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
