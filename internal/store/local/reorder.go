package local

import (
	"bytes"
	"container/heap"
)

// reorder is a source that yields the postings of a famStart stream in the
// order of another time (end time or trace ID epoch), for the traces whose
// time is within postingSlack of their start (the others are in famEnd or
// famEpoch, read directly).
//
// The stream comes newest start first. Once it reaches start s, every
// posting still unread has a start ≤ s, hence a time ≤ s + postingSlack;
// held postings with a later time can go out in order. One more second of
// margin absorbs float rounding between "end − start ≤ slack" (how writers
// chose the family) and "end ≤ start + slack". So a query holds back at most
// postingSlack+1 seconds of postings of its term.
type reorder struct {
	in     *blockStream // famStart
	fam    byte         // famEnd or famEpoch: whose time to order by
	lo, hi float64      // the window on that time
	after  []byte
	held   candidates
	c      candidate
	valid  bool
}

func newReorder(in *blockStream, fam byte, lo, hi float64, after []byte) (*reorder, error) {
	r := &reorder{in: in, fam: fam, lo: lo, hi: hi, after: after}
	return r, r.fill()
}

func (r *reorder) cur() *candidate {
	if !r.valid {
		return nil
	}
	return &r.c
}

func (r *reorder) next() error { return r.fill() }

func (r *reorder) close() { r.in.close() }

// fill takes postings from the stream until the earliest held one is
// certain to come before every unread one, and makes it current.
func (r *reorder) fill() error {
	for {
		in := r.in.cur()
		if len(r.held) > 0 && (in == nil || r.held[0].t > in.p.start+postingSlack+1) {
			r.c = heap.Pop(&r.held).(candidate)
			r.valid = true
			return nil
		}
		if in == nil {
			r.valid = false
			return nil
		}
		r.hold(&in.p)
		if err := r.in.next(); err != nil {
			return err
		}
	}
}

// hold keeps a posting of the window that the other family does not hold.
func (r *reorder) hold(p *posting) {
	if r.fam == famEnd && p.long() || r.fam == famEpoch && p.skewed() {
		return
	}
	t := p.timeIn(r.fam)
	if t < r.lo || t >= r.hi {
		return
	}
	var c candidate
	c.set(r.in.part, t, p)
	if r.after != nil && bytes.Compare(c.key[:], r.after) <= 0 {
		return
	}
	heap.Push(&r.held, c)
}

// candidates is a min-heap of candidates by position key.
type candidates []candidate

func (h candidates) Len() int           { return len(h) }
func (h candidates) Less(i, j int) bool { return bytes.Compare(h[i].key[:], h[j].key[:]) < 0 }
func (h candidates) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *candidates) Push(x any)        { *h = append(*h, x.(candidate)) }
func (h *candidates) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
