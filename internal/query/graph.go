package query

import (
	"cmp"
	"slices"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// nodeKey identifies a merged node: nodes with the same name, type and
// account are one node across traces (trace.ServiceID.Key without the
// string concatenation, which would allocate for every node of every trace).
type nodeKey struct{ name, typ, account string }

func keyOf(id trace.ServiceID) nodeKey { return nodeKey{id.Name, id.Type, id.AccountID} }

type nodeAcc struct {
	key    nodeKey
	names  map[string]struct{} // names other than key.name
	root   bool
	client bool
	active bool // some trace saw the node send its own segments
	counts bool // own observations were counted (never for clients)
	stats  Statistics
	span   span
	rt     histogram
	dur    histogram
	edges  map[nodeKey]*edgeAcc
}

type edgeAcc struct {
	stats Statistics
	span  span
	rt    histogram
}

// GraphMerger merges the graph fragments of many traces into one service
// graph. Only observations that overlap its window count; a node or edge
// none of whose observations do is left out. It keeps aggregates, not the
// fragments, so its memory grows with the number of distinct nodes and
// edges, not with the number of traces.
type GraphMerger struct {
	window Window
	nodes  map[nodeKey]*nodeAcc
	local  []*nodeAcc // per-fragment: accumulator of Graph.Nodes[i], nil until touched
}

// NewGraphMerger returns a merger for observations overlapping w; the zero
// Window takes every observation (GetTraceGraph).
func NewGraphMerger(w Window) *GraphMerger {
	return &GraphMerger{window: w, nodes: make(map[nodeKey]*nodeAcc)}
}

// Add merges one trace's graph fragment. g is not retained.
func (m *GraphMerger) Add(g *trace.Graph) {
	m.local = slices.Grow(m.local[:0], len(g.Nodes))[:len(g.Nodes)]
	clear(m.local)
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Client {
			continue // a client node has no statistics of its own
		}
		var acc *nodeAcc
		traceDur := 0.0
		for _, o := range n.Obs {
			if !m.window.overlaps(o.Start, o.End) {
				continue
			}
			if acc == nil {
				acc = m.touch(g, i)
				if acc.rt == nil {
					acc.rt, acc.dur = histogram{}, histogram{}
				}
				acc.counts = true
			}
			acc.stats.add(o)
			acc.span.add(o.Start, o.End)
			acc.rt.add(o.ResponseTime())
			// The trace's duration can only be unknown (0) if the
			// fragment predates it; a node's own time is a lower bound.
			traceDur = max(traceDur, o.Duration, o.ResponseTime())
		}
		if acc != nil {
			// One DurationHistogram entry per trace through the node.
			acc.dur.add(traceDur)
		}
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		for _, e := range n.Edges {
			if e.Target < 0 || e.Target >= len(g.Nodes) || e.Target == i {
				continue // a corrupt fragment must not take the query down
			}
			var ea *edgeAcc
			for _, o := range e.Obs {
				if !m.window.overlaps(o.Start, o.End) {
					continue
				}
				if ea == nil {
					ea = m.edge(m.touch(g, i), m.touch(g, e.Target))
				}
				ea.stats.add(o)
				ea.span.add(o.Start, o.End)
				ea.rt.add(o.ResponseTime())
			}
		}
	}
}

// touch returns the accumulator of g.Nodes[i], creating it on first use,
// and folds in the node's flags once per fragment.
func (m *GraphMerger) touch(g *trace.Graph, i int) *nodeAcc {
	if acc := m.local[i]; acc != nil {
		return acc
	}
	n := &g.Nodes[i]
	k := keyOf(n.ServiceID)
	if n.Client {
		k.typ = TypeClient
	}
	acc := m.nodes[k]
	if acc == nil {
		acc = &nodeAcc{key: k, client: n.Client}
		m.nodes[k] = acc
	}
	for _, name := range n.Names {
		if name != k.name {
			if acc.names == nil {
				acc.names = make(map[string]struct{})
			}
			acc.names[name] = struct{}{}
		}
	}
	acc.root = acc.root || (n.Root && !n.Client)
	acc.active = acc.active || (!n.Client && !n.Inferred)
	m.local[i] = acc
	return acc
}

func (m *GraphMerger) edge(from, to *nodeAcc) *edgeAcc {
	if from.edges == nil {
		from.edges = make(map[nodeKey]*edgeAcc)
	}
	ea := from.edges[to.key]
	if ea == nil {
		ea = &edgeAcc{rt: histogram{}}
		from.edges[to.key] = ea
	}
	return ea
}

// Services returns the merged graph. Client nodes come first, so that the
// graph reads from its entry; then nodes by name, type and account. They
// are numbered in that order, so equal inputs give equal output.
func (m *GraphMerger) Services() []Service {
	accs := make([]*nodeAcc, 0, len(m.nodes))
	for _, acc := range m.nodes {
		accs = append(accs, acc)
	}
	slices.SortFunc(accs, func(a, b *nodeAcc) int {
		return cmp.Or(-compareBool(a.client, b.client),
			cmp.Compare(a.key.name, b.key.name),
			cmp.Compare(a.key.typ, b.key.typ),
			cmp.Compare(a.key.account, b.key.account))
	})
	ref := make(map[nodeKey]int, len(accs))
	for i, acc := range accs {
		ref[acc.key] = i
	}
	out := make([]Service, len(accs))
	for i, acc := range accs {
		s := Service{
			ReferenceID: i,
			Name:        acc.key.name,
			Names:       acc.sortedNames(),
			Root:        acc.root,
			AccountID:   acc.key.account,
			Type:        acc.key.typ,
			State:       StateUnknown,
			Edges:       []Edge{},
		}
		if acc.active {
			s.State = StateActive
		}
		nodeSpan := acc.span
		for to, ea := range acc.edges {
			ea.stats.finish()
			s.Edges = append(s.Edges, Edge{
				ReferenceID:           ref[to],
				StartTime:             ea.span.start,
				EndTime:               ea.span.end,
				SummaryStatistics:     ea.stats,
				ResponseTimeHistogram: ea.rt.entries(),
			})
			if acc.client {
				nodeSpan.add(ea.span.start, ea.span.end)
			}
		}
		slices.SortFunc(s.Edges, func(a, b Edge) int { return cmp.Compare(a.ReferenceID, b.ReferenceID) })
		s.StartTime, s.EndTime = nodeSpan.start, nodeSpan.end
		if acc.counts && !acc.client {
			stats := acc.stats
			stats.finish()
			s.SummaryStatistics = &stats
			s.ResponseTimeHistogram = acc.rt.entries()
			s.DurationHistogram = acc.dur.entries()
		}
		out[i] = s
	}
	return out
}

func (acc *nodeAcc) sortedNames() []string {
	names := make([]string, 0, 1+len(acc.names))
	for n := range acc.names {
		names = append(names, n)
	}
	slices.Sort(names)
	return append([]string{acc.key.name}, names...)
}

// MergeGraph merges graph fragments into a service graph over window w (the
// zero Window takes everything).
func MergeGraph(graphs []*trace.Graph, w Window) []Service {
	m := NewGraphMerger(w)
	for _, g := range graphs {
		m.Add(g)
	}
	return m.Services()
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
