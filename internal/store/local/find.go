package local

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// FindTraces streams the summaries of matching traces, newest first. Each
// partition's index is already in that order, so the partitions' index
// iterators are merged; nothing beyond one entry per partition is held.
// Everything is read from one snapshot, so a trace whose index entry moves
// while the query runs is seen once.
func (s *Store) FindTraces(ctx context.Context, q store.TraceQuery, fn func(*trace.Summary, store.Position) bool) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	index, ok := indexOf(q.RangeType)
	if !ok {
		return fmt.Errorf("cannot find traces: unknown range type %d", q.RangeType)
	}
	var after []byte
	if q.After != nil {
		tid, err := segment.ParseTraceID(strings.ToLower(q.After.TraceID))
		if err != nil {
			return fmt.Errorf("cannot find traces after %q: %w", q.After.TraceID, err)
		}
		// Strictly after: the smallest key greater than the position's.
		after = append(appendIndexSuffix(nil, q.After.Time, tid), 0)
	}

	snap := s.db.NewSnapshot()
	defer snap.Close()
	var m merge
	defer m.close()
	for _, p := range s.parts.list() {
		start := q.Start
		if q.RangeType == store.Overlapping {
			// A trace that started before the window may still overlap
			// it; none in this partition lasted longer than maxDuration.
			start -= s.parts.maxDuration(p)
		}
		lo, hi, ok := indexBounds(p, index, start, q.End)
		if !ok {
			continue
		}
		it, err := snap.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
		if err != nil {
			return fmt.Errorf("cannot find traces: %w", err)
		}
		c := &cursor{it: it, part: p, prefixLen: len(indexPrefix(p, index))}
		var valid bool
		if after != nil {
			valid = it.SeekGE(append(indexPrefix(p, index), after...)) // clamped to lo by Pebble
		} else {
			valid = it.First()
		}
		m.all = append(m.all, c)
		if valid {
			m.h = append(m.h, c)
		} else if err := it.Error(); err != nil {
			return fmt.Errorf("cannot find traces: %w", err)
		}
	}
	heap.Init(&m.h)

	for n := 0; len(m.h) > 0; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("cannot find traces: %w", err)
			}
		}
		c := m.h[0]
		t, tid := decodeIndexSuffix(c.it.Key()[c.prefixLen:])
		keep := true
		if q.RangeType == store.Overlapping {
			v, err := c.it.ValueAndErr()
			if err != nil {
				return fmt.Errorf("cannot find traces: %w", err)
			}
			end, ok := decodeFloat(v)
			keep = !ok || end >= q.Start
		}
		if keep {
			sum, err := getSummary(snap, c.part, tid)
			if err != nil {
				return err
			}
			if sum != nil && !fn(sum, store.Position{Time: t, TraceID: tid.String()}) {
				return nil
			}
		}
		if c.it.Next() {
			heap.Fix(&m.h, 0)
		} else {
			if err := c.it.Error(); err != nil {
				return fmt.Errorf("cannot find traces: %w", err)
			}
			heap.Pop(&m.h)
		}
	}
	return nil
}

// getSummary reads a trace's summary; nil when the trace has none yet.
func getSummary(r pebble.Reader, p uint32, tid segment.TraceID) (*trace.Summary, error) {
	v, closer, err := r.Get(summaryKey(p, tid))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read summary of trace %s: %w", tid, err)
	}
	defer closer.Close()
	sum, err := decodeSummary(v)
	if err != nil {
		return nil, fmt.Errorf("cannot decode summary of trace %s: %w", tid, err)
	}
	return sum, nil
}

// cursor is one partition's index iterator in the merge.
type cursor struct {
	it        *pebble.Iterator
	part      uint32
	prefixLen int
}

func (c *cursor) suffix() []byte { return c.it.Key()[c.prefixLen:] }

// merge orders cursors by their current entry: the smallest index suffix
// (newest time, then greatest trace ID) first.
type merge struct {
	all []*cursor
	h   cursorHeap
}

func (m *merge) close() {
	for _, c := range m.all {
		_ = c.it.Close()
	}
}

type cursorHeap []*cursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return bytes.Compare(h[i].suffix(), h[j].suffix()) < 0 }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(*cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
