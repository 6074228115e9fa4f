package local

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/lightbox-tracing/lightbox/segment"
)

// epochSlack is how far a trace ID's epoch may be from a document's start
// time and still be trusted to place the trace. X-Ray trace IDs carry the
// trace's start; W3C-derived ones carry random bits.
const epochSlack = 24 * 60 * 60

// partitions knows the width of a partition and which partitions exist, and
// the longest trace of each (Overlapping queries scan that far back).
type partitions struct {
	width float64 // seconds

	mu     sync.Mutex
	live   atomic.Pointer[[]uint32] // newest first; replaced, never modified
	maxDur map[uint32]float64
}

func newPartitions(width float64) *partitions {
	ps := &partitions{width: width, maxDur: make(map[uint32]float64)}
	ps.live.Store(new([]uint32))
	return ps
}

// of returns the partition holding time t (Unix seconds).
func (ps *partitions) of(t float64) uint32 {
	p := math.Floor(t / ps.width)
	switch {
	case !(p >= 0): // also NaN
		return 0
	case p > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(p)
}

// start and end return the time range [start, end) of a partition.
func (ps *partitions) start(p uint32) float64 { return float64(p) * ps.width }
func (ps *partitions) end(p uint32) float64   { return (float64(p) + 1) * ps.width }

// home chooses the partition of a trace seen for the first time, from the
// earliest start time among its documents at hand.
func (ps *partitions) home(tid segment.TraceID, start float64) uint32 {
	if e := float64(tid.Epoch()); math.Abs(start-e) <= epochSlack {
		return ps.of(e)
	}
	return ps.of(start)
}

// list returns the existing partitions, newest first. The slice is shared:
// callers must not modify it.
func (ps *partitions) list() []uint32 { return *ps.live.Load() }

func (ps *partitions) has(p uint32) bool {
	_, ok := slices.BinarySearchFunc(ps.list(), p, descending)
	return ok
}

func descending(a, b uint32) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// add records that partition p exists; it reports whether p is new.
func (ps *partitions) add(p uint32) bool {
	if ps.has(p) {
		return false
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	cur := ps.list()
	i, ok := slices.BinarySearchFunc(cur, p, descending)
	if ok {
		return false
	}
	next := slices.Insert(slices.Clone(cur), i, p)
	ps.live.Store(&next)
	return true
}

func (ps *partitions) remove(p uint32) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	cur := ps.list()
	i, ok := slices.BinarySearchFunc(cur, p, descending)
	if !ok {
		return
	}
	next := slices.Delete(slices.Clone(cur), i, i+1)
	ps.live.Store(&next)
	delete(ps.maxDur, p)
}

func (ps *partitions) maxDuration(p uint32) float64 {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.maxDur[p]
}

// raiseMaxDuration records a trace duration d in partition p and reports
// whether it is a new maximum, to be persisted.
func (ps *partitions) raiseMaxDuration(p uint32, d float64) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if d <= ps.maxDur[p] {
		return false
	}
	ps.maxDur[p] = d
	return true
}
