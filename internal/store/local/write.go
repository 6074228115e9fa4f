package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/lightbox-tracing/lightbox/segment"
)

// traceWrite is what one WriteSegments call writes for one trace.
type traceWrite struct {
	tid   segment.TraceID
	start float64 // earliest start time among the call's documents
	part  uint32
	isNew bool // no document of the trace was stored before
	docs  []*segment.Document
}

// WriteSegments stores documents and marks their traces pending, in one
// batch synced to the WAL before it returns. Concurrent callers share WAL
// fsyncs: Pebble's commit pipeline syncs every batch queued behind an
// in-flight sync with the next one.
func (s *Store) WriteSegments(ctx context.Context, docs []*segment.Document) error {
	if len(docs) == 0 {
		return nil
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := s.asm.waitRoom(ctx); err != nil {
		return fmt.Errorf("cannot write segments: %w", err)
	}

	type docWrite struct {
		tw  *traceWrite
		sid segment.SegmentID
		raw []byte
	}
	writes := make([]docWrite, len(docs))
	byTrace := make(map[segment.TraceID]*traceWrite)
	var order []*traceWrite
	size := 0
	for i, d := range docs {
		tid, err := segment.ParseTraceID(d.TraceID)
		if err != nil {
			return fmt.Errorf("cannot write segment %s: %w", d.ID, err)
		}
		sid, err := segment.ParseSegmentID(d.ID)
		if err != nil {
			return fmt.Errorf("cannot write segment of trace %s: %w", d.TraceID, err)
		}
		raw := d.Raw
		if len(raw) == 0 {
			// Documents built in memory (not parsed from the wire) are
			// stored as their JSON encoding.
			if raw, err = json.Marshal(d); err != nil {
				return fmt.Errorf("cannot encode segment %s: %w", d.ID, err)
			}
		}
		tw := byTrace[tid]
		if tw == nil {
			tw = &traceWrite{tid: tid, start: d.StartTime}
			byTrace[tid] = tw
			order = append(order, tw)
		}
		tw.start = min(tw.start, d.StartTime)
		tw.docs = append(tw.docs, d)
		writes[i] = docWrite{tw: tw, sid: sid, raw: raw}
		size += docKeyLen + 1 + len(raw)
	}
	for _, tw := range order {
		p, isNew, err := s.place(tw.tid, tw.start)
		if err != nil {
			return err
		}
		tw.part, tw.isNew = p, isNew
	}
	// An in-progress document must not replace a complete one, whether the
	// complete one came earlier in this call or is already stored. Only
	// in-progress documents pay for the check, and they are few.
	for i, w := range writes {
		if !docs[i].InProgress {
			continue
		}
		superseded, err := s.completeExists(w.tw, w.sid, docs[i+1:], docs[:i])
		if err != nil {
			return err
		}
		if superseded {
			writes[i].raw = nil
			// The assembler must not see it either.
			kept := w.tw.docs[:0:0]
			for _, d := range w.tw.docs {
				if d != docs[i] {
					kept = append(kept, d)
				}
			}
			w.tw.docs = kept
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cannot write segments: %w", err)
	}

	seq := s.writeSeq.Add(1)
	b := s.db.NewBatchWithSize(size + len(order)*(traceKeyLen+pendingKeyLen+32))
	defer b.Close()
	key := make([]byte, 0, docKeyLen)
	for _, w := range writes {
		if w.raw == nil {
			continue // an in-progress version of a complete document
		}
		key = appendDocKey(key[:0], w.tw.part, w.tw.tid, w.sid)
		op := b.SetDeferred(docKeyLen, 1+len(w.raw))
		copy(op.Key, key)
		op.Value[0] = docFormatRaw
		copy(op.Value[1:], w.raw)
		if err := op.Finish(); err != nil {
			return fmt.Errorf("cannot write segment %s: %w", w.sid, err)
		}
	}
	for _, tw := range order {
		// The trace key is written every time (not only when the trace is
		// new) so that it is durable whenever any document is, whatever
		// happened to an earlier batch.
		_ = b.Set(traceKey(tw.part, tw.tid), nil, nil)
		_ = b.Set(pendingKey(tw.part, tw.tid, seq), nil, nil)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("cannot write segments: %w", err)
	}
	w := write{seq: seq, commitSeq: uint64(b.SeqNum())}
	for _, tw := range order {
		// Retention may have dropped the partition while this batch was
		// being built; the data exists again, so the partition must too.
		s.parts.add(tw.part)
		w.docs, w.isNew = tw.docs, tw.isNew
		s.asm.enqueue(tw.tid, tw.part, w)
	}
	return nil
}

// place returns the partition of a trace: the one it already lives in, or a
// new home chosen from its trace ID epoch or start time (isNew).
func (s *Store) place(tid segment.TraceID, start float64) (p uint32, isNew bool, err error) {
	if p, ok := s.traces.get(tid); ok {
		return p, false, nil
	}
	// One decision per trace at a time, so that concurrent first writes of a
	// trace agree on its partition.
	mu := &s.placeLocks[tid[15]%uint8(len(s.placeLocks))]
	mu.Lock()
	defer mu.Unlock()
	if p, ok := s.traces.get(tid); ok {
		return p, false, nil
	}
	home := s.parts.home(tid, start)
	p, found, err := s.lookup(tid, home)
	if err != nil {
		return 0, false, err
	}
	if !found {
		p = home
		s.parts.add(p)
	}
	s.traces.put(tid, p)
	return p, !found, nil
}

// locate finds the partition holding a trace, or reports that none does.
func (s *Store) locate(tid segment.TraceID) (uint32, bool, error) {
	if p, ok := s.traces.get(tid); ok {
		return p, true, nil
	}
	return s.lookup(tid, s.parts.of(float64(tid.Epoch())))
}

// lookup probes the partitions on disk for a trace's key, the likely one
// first. Bloom filters make each miss cheap.
func (s *Store) lookup(tid segment.TraceID, likely uint32) (uint32, bool, error) {
	probe := func(p uint32) (bool, error) {
		_, closer, err := s.db.Get(traceKey(p, tid))
		if errors.Is(err, pebble.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("cannot look up trace %s: %w", tid, err)
		}
		_ = closer.Close()
		return true, nil
	}
	if s.parts.has(likely) {
		if ok, err := probe(likely); ok || err != nil {
			return likely, ok, err
		}
	}
	for _, p := range s.parts.list() {
		if p == likely {
			continue
		}
		if ok, err := probe(p); ok || err != nil {
			return p, ok, err
		}
	}
	return 0, false, nil
}

// completeExists reports whether a complete version of document sid is
// already stored or is written by the same call (before or after it).
func (s *Store) completeExists(tw *traceWrite, sid segment.SegmentID, after, before []*segment.Document) (bool, error) {
	id := sid.String()
	for _, list := range [][]*segment.Document{before, after} {
		for _, d := range list {
			if d.ID == id && d.TraceID == tw.docs[0].TraceID && !d.InProgress {
				return true, nil
			}
		}
	}
	if tw.isNew {
		return false, nil
	}
	v, closer, err := s.db.Get(appendDocKey(nil, tw.part, tw.tid, sid))
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cannot read segment %s: %w", id, err)
	}
	defer closer.Close()
	if len(v) == 0 || v[0] != docFormatRaw {
		return false, nil
	}
	var stored struct {
		InProgress bool `json:"in_progress"`
	}
	if err := json.Unmarshal(v[1:], &stored); err != nil {
		return false, nil // unreadable: let the new version replace it
	}
	return !stored.InProgress, nil
}
