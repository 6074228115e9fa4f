package query

import (
	"github.com/lightbox-tracing/lightbox/internal/filterexpr"
	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// nodeRef is a compiled filterexpr.NodeRef: the fields to compare, each
// with whether it is set.
type nodeRef struct {
	name, typ, account        string
	byName, byType, byAccount bool
}

func compileNodeRef(r *filterexpr.NodeRef) nodeRef {
	var c nodeRef
	if r == nil {
		return c
	}
	if r.Name != nil {
		c.name, c.byName = *r.Name, true
	}
	if r.Type != nil {
		c.typ, c.byType = *r.Type, true
	}
	if r.AccountID != nil {
		c.account, c.byAccount = *r.AccountID, true
	}
	return c
}

// match reports whether the ref selects n. The client node is never a
// service.
func (r *nodeRef) match(n *trace.Node) bool {
	return !n.Client &&
		(!r.byName || n.Name == r.name) &&
		(!r.byType || n.Type == r.typ) &&
		(!r.byAccount || n.AccountID == r.account)
}

// compileService compiles service(ref) [{ block }]: some node the ref
// selects for which the block holds.
func compileService(x *filterexpr.Service) (pred[*trace.Summary], error) {
	ref := compileNodeRef(x.Node)
	var block pred[*trace.Node]
	if x.Block != nil {
		var err error
		if block, err = logic(x.Block, nodeLeaf); err != nil {
			return nil, err
		}
	}
	return func(s *trace.Summary) bool {
		for i := range s.Graph.Nodes {
			n := &s.Graph.Nodes[i]
			if ref.match(n) && (block == nil || block(n)) {
				return true
			}
		}
		return false
	}, nil
}

// compileEdge compiles edge(from, to) [{ block }]: some call from a node
// from selects to a node to selects for which the block holds.
func compileEdge(x *filterexpr.Edge) (pred[*trace.Summary], error) {
	from, to := compileNodeRef(&x.From), compileNodeRef(&x.To)
	var block pred[*trace.Edge]
	if x.Block != nil {
		var err error
		if block, err = logic(x.Block, edgeLeaf); err != nil {
			return nil, err
		}
	}
	return func(s *trace.Summary) bool {
		nodes := s.Graph.Nodes
		for i := range nodes {
			n := &nodes[i]
			if !from.match(n) {
				continue
			}
			for j := range n.Edges {
				e := &n.Edges[j]
				if e.Target >= 0 && e.Target < len(nodes) && to.match(&nodes[e.Target]) && (block == nil || block(e)) {
					return true
				}
			}
		}
		return false
	}, nil
}

// Outcome tests over observations: the node (edge) "had" the outcome.

func hadOK(os []trace.Observation) bool       { return hadOutcome(os, trace.OK) }
func hadFault(os []trace.Observation) bool    { return hadOutcome(os, trace.Fault) }
func hadThrottle(os []trace.Observation) bool { return hadOutcome(os, trace.Throttle) }

func hadOutcome(os []trace.Observation, o trace.Outcome) bool {
	for i := range os {
		if os[i].Outcome == o {
			return true
		}
	}
	return false
}

// hadError counts throttles as errors, as ErrorStatistics.TotalCount does.
func hadError(os []trace.Observation) bool {
	for i := range os {
		if o := os[i].Outcome; o == trace.ErrorOther || o == trace.Throttle {
			return true
		}
	}
	return false
}

var outcomeTests = map[filterexpr.Keyword]func([]trace.Observation) bool{
	filterexpr.KwOK:       hadOK,
	filterexpr.KwError:    hadError,
	filterexpr.KwFault:    hadFault,
	filterexpr.KwThrottle: hadThrottle,
}

// anyObs is true when some observation's value passes the test.
func anyObs(os []trace.Observation, value func(*trace.Observation) float64, n numTest) bool {
	for i := range os {
		if n.test(value(&os[i])) {
			return true
		}
	}
	return false
}

func responseTime(o *trace.Observation) float64 { return roundMicro(o.End - o.Start) }

// traceDuration is the trace duration an observation carries, as the
// node's DurationHistogram counts it (a node's own time bounds it below).
func traceDuration(o *trace.Observation) float64 { return roundMicro(max(o.Duration, o.End-o.Start)) }

// httpPred compiles an http.* keyword over a list of recorded requests:
// some request's value passes.
func httpPred(k filterexpr.Keyword, cmp *filterexpr.Compare) func([]trace.HTTP) bool {
	if k == filterexpr.KwHTTPStatus {
		if cmp == nil {
			return nil
		}
		n := numTest{op: cmp.Op, v: cmp.Value.Num}
		return func(hs []trace.HTTP) bool {
			for i := range hs {
				if st := hs[i].Status; st != 0 && n.test(float64(st)) {
					return true
				}
			}
			return false
		}
	}
	get := httpField(k)
	if get == nil {
		return nil
	}
	t := strTestOf(cmp)
	return func(hs []trace.HTTP) bool {
		for i := range hs {
			if t.test(get(&hs[i])) {
				return true
			}
		}
		return false
	}
}

// nodeLeaf compiles a keyword inside service() { }.
func nodeLeaf(e filterexpr.Expr) (pred[*trace.Node], error) {
	f, cmp, ok := fieldOf(e)
	if !ok {
		return nil, errUnexpected(e, "in a service() block")
	}
	k := f.Keyword
	if t := outcomeTests[k]; t != nil {
		return boolPred(func(n *trace.Node) bool { return t(n.Obs) }, cmp), nil
	}
	if h := httpPred(k, cmp); h != nil {
		return func(n *trace.Node) bool { return h(n.HTTP) }, nil
	}
	switch k {
	case filterexpr.KwRoot:
		return boolPred(func(n *trace.Node) bool { return n.Root }, cmp), nil
	case filterexpr.KwInferred:
		return boolPred(func(n *trace.Node) bool { return n.Inferred }, cmp), nil
	case filterexpr.KwName:
		t := strTestOf(cmp)
		return func(n *trace.Node) bool { return t.test(n.Name) }, nil
	case filterexpr.KwType:
		t := strTestOf(cmp)
		return func(n *trace.Node) bool { return t.test(n.Type) }, nil
	case filterexpr.KwResponseTime, filterexpr.KwDuration:
		if cmp == nil {
			break
		}
		n := numTest{op: cmp.Op, v: cmp.Value.Num}
		value := responseTime
		if k == filterexpr.KwDuration {
			value = traceDuration
		}
		return func(nd *trace.Node) bool { return anyObs(nd.Obs, value, n) }, nil
	}
	return nil, errUnexpected(e, "in a service() block")
}

// edgeLeaf compiles a keyword inside edge() { }: the calls' outcomes,
// response times and requests.
func edgeLeaf(e filterexpr.Expr) (pred[*trace.Edge], error) {
	f, cmp, ok := fieldOf(e)
	if !ok {
		return nil, errUnexpected(e, "in an edge() block")
	}
	k := f.Keyword
	if t := outcomeTests[k]; t != nil {
		return boolPred(func(ed *trace.Edge) bool { return t(ed.Obs) }, cmp), nil
	}
	if h := httpPred(k, cmp); h != nil {
		return func(ed *trace.Edge) bool { return h(ed.HTTP) }, nil
	}
	if k == filterexpr.KwResponseTime && cmp != nil {
		n := numTest{op: cmp.Op, v: cmp.Value.Num}
		return func(ed *trace.Edge) bool { return anyObs(ed.Obs, responseTime, n) }, nil
	}
	return nil, errUnexpected(e, "in an edge() block")
}

// fieldOf returns the field of a bare or compared keyword (cmp nil when
// bare); ok is false for other nodes and for annotations, which blocks do
// not take.
func fieldOf(e filterexpr.Expr) (f filterexpr.Field, cmp *filterexpr.Compare, ok bool) {
	switch x := e.(type) {
	case *filterexpr.Bare:
		f = x.Field
	case *filterexpr.Compare:
		f, cmp = x.Field, x
	default:
		return f, nil, false
	}
	return f, cmp, f.Keyword != filterexpr.KwAnnotation
}
