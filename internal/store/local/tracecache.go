package local

import (
	"sync"

	"github.com/lightbox-tracing/lightbox/segment"
)

// traceCache remembers the partition of recently written traces so that most
// writes need no disk lookup. It holds two generations of at most size/2
// entries each: when the young one fills, the old one is dropped, which
// approximates LRU at the cost of two map lookups on a miss.
type traceCache struct {
	mu         sync.Mutex
	half       int
	young, old map[segment.TraceID]uint32
}

func newTraceCache(size int) *traceCache {
	half := max(size/2, 1)
	return &traceCache{half: half, young: make(map[segment.TraceID]uint32, half)}
}

func (c *traceCache) get(tid segment.TraceID) (uint32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.young[tid]; ok {
		return p, true
	}
	p, ok := c.old[tid]
	if ok {
		c.putLocked(tid, p) // promote: still in use
	}
	return p, ok
}

func (c *traceCache) put(tid segment.TraceID, p uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(tid, p)
}

func (c *traceCache) putLocked(tid segment.TraceID, p uint32) {
	if _, ok := c.young[tid]; !ok && len(c.young) >= c.half {
		c.old, c.young = c.young, make(map[segment.TraceID]uint32, c.half)
	}
	c.young[tid] = p
}

// forgetPartition drops every entry of a partition that retention removed.
func (c *traceCache) forgetPartition(p uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range []map[segment.TraceID]uint32{c.young, c.old} {
		for tid, q := range m {
			if q == p {
				delete(m, tid)
			}
		}
	}
}
