package query

import (
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

func TestMergeGraphGolden(t *testing.T) {
	const t0 = 1700000000.0
	tests := []struct {
		name   string
		graphs []*trace.Graph
		window Window
	}{
		{"shop-one-trace.json", []*trace.Graph{shopTrace(t0, trace.OK)}, Window{}},
		{"shop-three-traces.json", []*trace.Graph{
			shopTrace(t0, trace.OK), shopTrace(t0+10, trace.Fault), shopTrace(t0+20, trace.ErrorOther),
		}, Window{Start: t0 - 60, End: t0 + 60}},
		// Only the second trace overlaps the window: the first ends before
		// it, the third starts at its (exclusive) end.
		{"shop-window.json", []*trace.Graph{
			shopTrace(t0, trace.OK), shopTrace(t0+10, trace.Fault), shopTrace(t0+20, trace.OK),
		}, Window{Start: t0 + 5, End: t0 + 20}},
		// Lambda: the service node and the function node share a name
		// and stay apart because their types differ.
		{"lambda-two-nodes.json", []*trace.Graph{{Nodes: []trace.Node{
			client("api", to(1, obs(t0, t0+1, trace.OK))),
			root(svc("api", "AWS::ApiGateway::Stage", withDur(1, obs(t0, t0+1, trace.OK)),
				to(2, obs(t0+0.1, t0+0.9, trace.OK)))),
			svc("fn", "AWS::Lambda", withDur(1, obs(t0+0.1, t0+0.9, trace.OK)),
				to(3, obs(t0+0.2, t0+0.8, trace.OK))),
			svc("fn", "AWS::Lambda::Function", withDur(1, obs(t0+0.2, t0+0.8, trace.OK))),
		}}}, Window{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, MergeGraph(tt.graphs, tt.window))
		})
	}
}

// TestMergeGraphShape checks, independently of golden files, the rules the
// spec states about nodes and edges.
func TestMergeGraphShape(t *testing.T) {
	const t0 = 1700000000.0
	got := MergeGraph([]*trace.Graph{shopTrace(t0, trace.OK), shopTrace(t0+1, trace.Fault)}, Window{})
	if len(got) != 4 {
		t.Fatalf("got %d nodes, want 4 (client, shop, orders, SNS): %+v", len(got), got)
	}
	byType := map[string]Service{}
	refs := map[int]bool{}
	for _, s := range got {
		byType[s.Type] = s
		if refs[s.ReferenceID] {
			t.Errorf("ReferenceId %d is used twice", s.ReferenceID)
		}
		refs[s.ReferenceID] = true
	}

	c := byType[TypeClient]
	if c.Name != "shop" || c.State != StateUnknown || c.SummaryStatistics != nil || c.Root {
		t.Errorf("client node = %+v; want name shop, state unknown, no statistics, not root", c)
	}
	if len(c.Edges) != 1 {
		t.Fatalf("client has %d edges, want 1", len(c.Edges))
	}
	shop := byType["AWS::EC2::Instance"]
	if c.Edges[0].ReferenceID != shop.ReferenceID {
		t.Errorf("client edge goes to %d, want the root service %d", c.Edges[0].ReferenceID, shop.ReferenceID)
	}
	if ce := c.Edges[0].SummaryStatistics; ce.TotalCount != 2 || ce.OkCount != 1 || ce.FaultStatistics.TotalCount != 1 {
		t.Errorf("client edge statistics = %+v, want 2 calls: 1 ok, 1 fault", ce)
	}
	if c.StartTime != t0 || c.EndTime != t0+1.25 {
		t.Errorf("client span = [%v, %v], want its edge's [%v, %v]", c.StartTime, c.EndTime, t0, t0+1.25)
	}

	if !shop.Root || shop.State != StateActive || shop.AccountID != "123456789012" {
		t.Errorf("shop node = %+v; want root, active, account 123456789012", shop)
	}
	st := shop.SummaryStatistics
	if st == nil || st.TotalCount != 2 || st.TotalResponseTime != 0.5 {
		t.Fatalf("shop statistics = %+v, want 2 segments totalling 0.5 s", st)
	}
	if len(shop.ResponseTimeHistogram) != 1 || shop.ResponseTimeHistogram[0] != (HistogramEntry{Value: 0.25, Count: 2}) {
		t.Errorf("shop histogram = %+v, want one entry {0.25, 2}", shop.ResponseTimeHistogram)
	}
	if len(shop.Edges) != 2 {
		t.Fatalf("shop has %d edges, want 2", len(shop.Edges))
	}
	for _, e := range shop.Edges {
		if e.ReferenceID == byType["AWS::SNS"].ReferenceID {
			es := e.SummaryStatistics
			if es.ErrorStatistics.ThrottleCount != 2 || es.ErrorStatistics.TotalCount != 2 || es.TotalCount != 2 {
				t.Errorf("shop→SNS statistics = %+v, want 2 throttles", es)
			}
		}
	}
	if sns := byType["AWS::SNS"]; sns.State != StateUnknown || sns.Root {
		t.Errorf("inferred SNS node = %+v; want state unknown, not root", sns)
	}
}

func TestHistogramRounding(t *testing.T) {
	h := histogram{}
	for _, v := range []float64{0.0996, 0.1004, 0.1, 0.0014, 2.5} {
		h.add(v)
	}
	got := h.entries()
	want := []HistogramEntry{{0.001, 1}, {0.1, 3}, {2.5, 1}}
	if len(got) != len(want) {
		t.Fatalf("entries = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestStatisticsClassification(t *testing.T) {
	var s Statistics
	for _, o := range []trace.Outcome{trace.OK, trace.OK, trace.ErrorOther, trace.Throttle, trace.Fault, trace.Fault} {
		s.add(trace.Observation{Start: 1, End: 1.1, Outcome: o})
	}
	s.finish()
	want := Statistics{
		OkCount:           2,
		ErrorStatistics:   ErrorStatistics{ThrottleCount: 1, OtherCount: 1, TotalCount: 2},
		FaultStatistics:   FaultStatistics{OtherCount: 2, TotalCount: 2},
		TotalCount:        6,
		TotalResponseTime: 0.6,
	}
	if s != want {
		t.Errorf("statistics = %+v, want %+v", s, want)
	}
}

// A corrupt fragment (edge to a missing node) must be skipped, not panic.
func TestMergeGraphSkipsBadEdges(t *testing.T) {
	g := &trace.Graph{Nodes: []trace.Node{
		root(svc("a", "", []trace.Observation{obs(1, 2, trace.OK)}, to(7, obs(1, 2, trace.OK)), to(-1, obs(1, 2, trace.OK)))),
	}}
	got := MergeGraph([]*trace.Graph{g}, Window{})
	if len(got) != 1 || len(got[0].Edges) != 0 {
		t.Errorf("got %+v, want node a alone without edges", got)
	}
}

func TestMergeGraphNamesUnion(t *testing.T) {
	a := svc("web", "", []trace.Observation{obs(1, 2, trace.OK)})
	b := a
	b.Names = []string{"web", "web-alias", "old-web"}
	got := MergeGraph([]*trace.Graph{{Nodes: []trace.Node{a}}, {Nodes: []trace.Node{b}}}, Window{})
	want := []string{"web", "old-web", "web-alias"}
	if len(got) != 1 || len(got[0].Names) != 3 || got[0].Names[0] != want[0] || got[0].Names[1] != want[1] || got[0].Names[2] != want[2] {
		t.Errorf("names = %v, want %v (canonical first, then sorted)", got[0].Names, want)
	}
}
