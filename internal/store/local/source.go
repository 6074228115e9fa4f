package local

import (
	"bytes"
	"container/heap"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// A source yields candidate traces of one partition in FindTraces' order
// (the position key ascending: newest time first, then greatest trace ID).
// FindTraces merges the sources of every partition. Sources are the time
// indexes (every trace in the window) and the term index (indexSource,
// blockStream, reorder).
type source interface {
	// cur is the candidate the source is on; nil once it is exhausted.
	cur() *candidate
	// next moves to the following candidate.
	next() error
	close()
}

// candidate is one trace a source proposes, at its position.
type candidate struct {
	key  [24]byte // position: inverted ordered time, inverted trace ID (keys.go)
	t    float64  // the time of the position
	part uint32
	p    posting // from the term index: the revision to check; rev 0 from a time index
}

func (c *candidate) set(part uint32, t float64, p *posting) {
	c.part, c.t, c.p = part, t, *p
	copy(c.key[:], appendIndexSuffix(c.key[:0], t, p.tid))
}

// indexSource walks one partition's time index (keys.go). For Overlapping
// queries it keeps the traces that end at or after minEnd.
type indexSource struct {
	it        *pebble.Iterator
	part      uint32
	prefixLen int
	overlap   bool
	minEnd    float64
	c         candidate
	valid     bool
}

// newIndexSource positions the source on its first candidate: the first
// entry at or after seek (nil: the start of the bounds).
func newIndexSource(r pebble.Reader, part uint32, index byte, lo, hi, seek []byte, overlap bool, minEnd float64) (*indexSource, error) {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, err
	}
	s := &indexSource{it: it, part: part, prefixLen: len(indexPrefix(part, index)), overlap: overlap, minEnd: minEnd}
	if seek != nil {
		s.valid = it.SeekGE(seek) // clamped to lo by Pebble
	} else {
		s.valid = it.First()
	}
	return s, s.settle()
}

// settle skips entries the source does not propose and loads the current one.
func (s *indexSource) settle() error {
	for ; s.valid; s.valid = s.it.Next() {
		t, tid := decodeIndexSuffix(s.it.Key()[s.prefixLen:])
		if s.overlap {
			v, err := s.it.ValueAndErr()
			if err != nil {
				return err
			}
			if end, ok := decodeFloat(v); ok && end < s.minEnd {
				continue
			}
		}
		s.c.set(s.part, t, &posting{tid: tid})
		return nil
	}
	return s.it.Error()
}

func (s *indexSource) cur() *candidate {
	if !s.valid {
		return nil
	}
	return &s.c
}

func (s *indexSource) next() error {
	s.valid = s.it.Next()
	return s.settle()
}

func (s *indexSource) close() { _ = s.it.Close() }

// merge orders sources by their current candidate.
type merge []source

func (m merge) Len() int { return len(m) }
func (m merge) Less(i, j int) bool {
	return bytes.Compare(m[i].cur().key[:], m[j].cur().key[:]) < 0
}
func (m merge) Swap(i, j int) { m[i], m[j] = m[j], m[i] }
func (m *merge) Push(x any)   { *m = append(*m, x.(source)) }
func (m *merge) Pop() any {
	old := *m
	s := old[len(old)-1]
	*m = old[:len(old)-1]
	return s
}

// advance moves the first source on, dropping it once exhausted.
func (m *merge) advance() error {
	s := (*m)[0]
	if err := s.next(); err != nil {
		return fmt.Errorf("cannot find traces: %w", err)
	}
	if s.cur() == nil {
		heap.Pop(m)
	} else {
		heap.Fix(m, 0)
	}
	return nil
}
