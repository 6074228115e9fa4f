package query

import (
	"fmt"

	"github.com/lightbox-tracing/lightbox/internal/filterexpr"
	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// Selection is what a GetTimeSeriesServiceStatistics entity selector
// picks: nodes (their own statistics and the calls into them) and calls.
type Selection struct {
	Nodes NodeSelector
	Edges EdgeSelector
}

// CompileEntitySelector compiles an EntitySelectorExpression: service(…)
// and edge(…) references (with id(…) inside them), alone or joined by OR,
// without blocks: a selector names entities, it does not filter traces.
// service("n") selects the nodes named n, edge("a", "b") the calls from a
// to b, as filter expressions select them (the client node is never a
// service). The error names the first part that is not a reference.
func CompileEntitySelector(e filterexpr.Expr) (Selection, error) {
	var nodes []nodeRef
	var edges [][2]nodeRef
	var bad filterexpr.Expr
	filterexpr.Inspect(e, func(x filterexpr.Expr) bool {
		if bad != nil {
			return false
		}
		switch x := x.(type) {
		case *filterexpr.Or:
			return true
		case *filterexpr.Service:
			if x.Block == nil {
				nodes = append(nodes, compileNodeRef(x.Node))
				return false
			}
		case *filterexpr.Edge:
			if x.Block == nil {
				edges = append(edges, [2]nodeRef{compileNodeRef(&x.From), compileNodeRef(&x.To)})
				return false
			}
		}
		bad = x
		return false
	})
	if bad != nil {
		return Selection{}, fmt.Errorf("an entity selector takes service(…), edge(…) and id(…) without { } blocks, joined by OR; %s is not one", bad)
	}
	var sel Selection
	if len(nodes) > 0 {
		sel.Nodes = func(n *trace.Node) bool {
			for i := range nodes {
				if nodes[i].match(n) {
					return true
				}
			}
			return false
		}
	}
	if len(edges) > 0 {
		sel.Edges = func(from, to *trace.Node) bool {
			for i := range edges {
				if edges[i][0].match(from) && edges[i][1].match(to) {
					return true
				}
			}
			return false
		}
	}
	return sel, nil
}
