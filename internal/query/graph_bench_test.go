package query

import (
	"fmt"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// benchGraphs returns n shop-like traces spread over ten minutes, with a
// few distinct root services so that the merged graph has several nodes.
func benchGraphs(n int) []*trace.Graph {
	const t0 = 1700000000.0
	out := make([]*trace.Graph, n)
	for i := range out {
		g := shopTrace(t0+float64(i%600)+float64(i%7)/1000, trace.Outcome(i%4))
		name := fmt.Sprintf("shop-%d", i%5)
		g.Nodes[0].Name, g.Nodes[1].Name = name, name
		g.Nodes[1].Names = []string{name}
		out[i] = g
	}
	return out
}

func BenchmarkMergeGraph10k(b *testing.B) {
	graphs := benchGraphs(10_000)
	w := Window{Start: 1700000000, End: 1700000600}
	b.ReportAllocs()
	for b.Loop() {
		m := NewGraphMerger(w)
		for _, g := range graphs {
			m.Add(g)
		}
		if s := m.Services(); len(s) != 12 {
			b.Fatalf("got %d nodes, want 12", len(s))
		}
	}
}

func BenchmarkTimeSeries10k(b *testing.B) {
	graphs := benchGraphs(10_000)
	w := Window{Start: 1700000000, End: 1700000600}
	b.ReportAllocs()
	for b.Loop() {
		ts, err := NewTimeSeries(w, 60, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, g := range graphs {
			ts.Add(g)
		}
		if s := ts.Statistics(); len(s) != 11 { // the window is not minute-aligned
			b.Fatalf("got %d buckets, want 11", len(s))
		}
	}
}
