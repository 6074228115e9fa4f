package trace

import "github.com/lightbox-tracing/lightbox/segment"

// httpRec is the HTTP data of one document, recorded for node (edge < 0)
// or for the summarizer's edges[edge].
type httpRec struct {
	node, edge int
	h          HTTP
}

// recordHTTP notes d's request and response for node n, or for edge
// b.edges[edge] when edge >= 0. Documents without an http block add
// nothing: most subsegments have none.
func (b *summarizer) recordHTTP(n, edge int, d *segment.Document) {
	if d.HTTP == nil {
		return
	}
	h := httpOf(d)
	if h == (HTTP{}) {
		return
	}
	if b.https == nil {
		b.https = make([]httpRec, 0, cap(b.nodes))
	}
	b.https = append(b.https, httpRec{node: n, edge: edge, h: h})
}

// dedupeHTTPAbove is the list length from which finishHTTP checks for
// duplicates with a map instead of a scan; a fan-out of thousands of calls
// must not cost a quadratic number of comparisons.
const dedupeHTTPAbove = 32

// finishHTTP lays the recorded HTTP data out as each node's and edge's list
// of distinct values, windows of one shared array. It runs after finish,
// which placed the edges.
func (b *summarizer) finishHTTP() {
	if len(b.https) == 0 {
		return
	}
	owners := len(b.nodes) + len(b.edges)
	counts := make([]int, owners)
	owner := func(r *httpRec) int {
		if r.edge < 0 {
			return r.node
		}
		return len(b.nodes) + r.edge
	}
	for i := range b.https {
		counts[owner(&b.https[i])]++
	}
	arr := make([]HTTP, len(b.https))
	list := func(o int) *[]HTTP {
		if o < len(b.nodes) {
			return &b.nodes[o].HTTP
		}
		e := &b.edges[o-len(b.nodes)]
		return &b.nodes[e.from].Edges[e.at].HTTP
	}
	for o, k := range counts {
		if k > 0 {
			*list(o), arr = arr[:0:k], arr[k:]
		}
	}
	var seen map[httpKey]struct{}
	for i := range b.https {
		r := &b.https[i]
		o := owner(r)
		l := list(o)
		if counts[o] > dedupeHTTPAbove {
			if seen == nil {
				seen = make(map[httpKey]struct{})
			}
			k := httpKey{o, r.h}
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
		} else if containsHTTP(*l, r.h) {
			continue
		}
		*l = append(*l, r.h)
	}
}

type httpKey struct {
	owner int
	h     HTTP
}

func containsHTTP(l []HTTP, h HTTP) bool {
	for i := range l {
		if l[i] == h {
			return true
		}
	}
	return false
}
