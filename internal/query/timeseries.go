package query

import (
	"fmt"
	"math"
	"slices"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// DefaultPeriod is GetTimeSeriesServiceStatistics' default Period, in
// seconds.
const DefaultPeriod = 60

// CheckPeriod reports whether period (seconds) is one Lightbox accepts: 60
// or a multiple of it. (AWS documents 60 or multiples of 300; accepting
// every minute multiple is a superset that old and new clients both fit.)
func CheckPeriod(period int) error {
	if period <= 0 || period%60 != 0 {
		return fmt.Errorf("period %d is not 60 or a positive multiple of 60 seconds", period)
	}
	return nil
}

// NodeSelector picks the nodes a time series describes. The nil selector
// picks the entry points (root services), so that the series describes
// requests as the application's clients saw them.
type NodeSelector func(n *trace.Node) bool

func entryPoints(n *trace.Node) bool { return n.Root && !n.Client }

// EdgeSelector picks calls, from node from to node to, whose statistics a
// time series describes besides the calls into the selected nodes.
type EdgeSelector func(from, to *trace.Node) bool

// TimeSeries buckets observations by period. For the selected nodes it
// counts their own segments (ServiceSummaryStatistics) and the calls into
// them (EdgeSummaryStatistics; for entry points these are the client
// edges), and histograms the calls' response times. An observation falls in
// the bucket holding its end time, the moment the caller saw the outcome.
type TimeSeries struct {
	window  Window
	period  int64
	sel     NodeSelector
	edgeSel EdgeSelector // nil: only the calls into selected nodes
	buckets map[int64]*tsBucket
	picked  []bool // per-fragment scratch: Graph.Nodes[i] is selected
}

type tsBucket struct {
	edge, svc       Statistics
	hasEdge, hasSvc bool
	rt              histogram
}

// NewTimeSeries returns a builder for window w (which must not be zero) with
// buckets of period seconds.
func NewTimeSeries(w Window, period int, sel NodeSelector) (*TimeSeries, error) {
	if err := CheckPeriod(period); err != nil {
		return nil, err
	}
	if w.IsZero() || !(w.Start < w.End) {
		return nil, fmt.Errorf("time series window [%v, %v) is empty", w.Start, w.End)
	}
	if sel == nil {
		sel = entryPoints
	}
	return &TimeSeries{window: w, period: int64(period), sel: sel, buckets: make(map[int64]*tsBucket)}, nil
}

// NewSelectedTimeSeries returns a builder for what an entity selector
// picked (CompileEntitySelector): the nodes sel.Nodes selects, as
// NewTimeSeries counts them, and the calls sel.Edges selects. A nil member
// selects nothing; a zero Selection describes nothing.
func NewSelectedTimeSeries(w Window, period int, sel Selection) (*TimeSeries, error) {
	nodes := sel.Nodes
	if nodes == nil {
		nodes = func(*trace.Node) bool { return false }
	}
	ts, err := NewTimeSeries(w, period, nodes)
	if err != nil {
		return nil, err
	}
	ts.edgeSel = sel.Edges
	return ts, nil
}

func (ts *TimeSeries) bucket(end float64) *tsBucket {
	at := int64(math.Floor(end/float64(ts.period))) * ts.period
	b := ts.buckets[at]
	if b == nil {
		b = &tsBucket{rt: histogram{}}
		ts.buckets[at] = b
	}
	return b
}

// Add counts one trace's graph fragment. g is not retained.
func (ts *TimeSeries) Add(g *trace.Graph) {
	ts.picked = slices.Grow(ts.picked[:0], len(g.Nodes))[:len(g.Nodes)]
	for i := range g.Nodes {
		n := &g.Nodes[i]
		ts.picked[i] = ts.sel(n)
		if !ts.picked[i] || n.Client {
			continue
		}
		for _, o := range n.Obs {
			if ts.window.contains(o.End) {
				b := ts.bucket(o.End)
				b.svc.add(o)
				b.hasSvc = true
			}
		}
	}
	for i := range g.Nodes {
		for _, e := range g.Nodes[i].Edges {
			if e.Target < 0 || e.Target >= len(g.Nodes) {
				continue
			}
			if !ts.picked[e.Target] && (ts.edgeSel == nil || !ts.edgeSel(&g.Nodes[i], &g.Nodes[e.Target])) {
				continue
			}
			for _, o := range e.Obs {
				if ts.window.contains(o.End) {
					b := ts.bucket(o.End)
					b.edge.add(o)
					b.hasEdge = true
					b.rt.add(o.ResponseTime())
				}
			}
		}
	}
}

// Statistics returns the buckets that saw observations, oldest first.
// Empty periods are left out rather than reported as zeros.
func (ts *TimeSeries) Statistics() []TimeSeriesStatistics {
	out := make([]TimeSeriesStatistics, 0, len(ts.buckets))
	for at, b := range ts.buckets {
		s := TimeSeriesStatistics{Timestamp: float64(at), ResponseTimeHistogram: b.rt.entries()}
		if s.ResponseTimeHistogram == nil {
			s.ResponseTimeHistogram = []HistogramEntry{}
		}
		if b.hasEdge {
			edge := b.edge
			edge.finish()
			s.EdgeSummaryStatistics = &edge
		}
		if b.hasSvc {
			svc := b.svc
			svc.finish()
			s.ServiceSummaryStatistics = &svc
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b TimeSeriesStatistics) int {
		switch {
		case a.Timestamp < b.Timestamp:
			return -1
		case a.Timestamp > b.Timestamp:
			return 1
		}
		return 0
	})
	return out
}
