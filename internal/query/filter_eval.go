package query

import (
	"fmt"
	"strings"

	"github.com/lightbox-tracing/lightbox/internal/filterexpr"
	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// Evaluation compiles the AST into closures, one per node, so that matching
// a summary is a walk of calls with no interpretation and no allocation.
// Each scope has its own argument: the trace's summary at the top level, a
// node in service() blocks, an edge in edge() blocks, an element of a root
// cause in rootcause blocks (filter_block.go, filter_rootcause.go).
//
// The semantics follow filterexpr's package documentation. Decisions it
// leaves to the evaluator (decided here):
//
//   - Times (responsetime, duration) are compared rounded to the
//     microsecond, the precision SDKs record: end − start of two epoch
//     times carries float noise (100.1 − 100 is 0.0999999…), which would
//     make "responsetime <= 0.1" miss a 100 ms request.
//   - Trace level: ok is "no fault, no error, no throttle" (HasFault,
//     HasError, HasThrottle all false); throttle is HasThrottle (any
//     segment); inferred is "the graph has an inferred node". http.status
//     0 and empty strings are "not set".
//   - service() and edge() select nodes and calls of the trace's graph;
//     the client node (Type "client", in front of the root service) is not
//     a service and is never selected. A node is selected by its Name.
//   - A block holds for a node (edge) when each of its keywords, read as
//     "the node had …", says so: fault, error, throttle, ok are true when
//     some observation of the node (call on the edge) had that outcome
//     (error counts ErrorOther and Throttle, as ErrorStatistics does);
//     responsetime, duration, http.* compare true when some observation's
//     (some recorded request's) value does. duration is the trace duration
//     the node's DurationHistogram counts. name, type, root and inferred
//     are the node's. So service("a") { fault AND responsetime > 1 } is
//     "a faulted, and some call of a took over a second", not necessarily
//     the same call; !fault in a block is "the node never faulted".

// pred is a compiled expression over values of type T.
type pred[T any] func(T) bool

// logic compiles AND, OR and NOT over T, handing every other node to leaf.
func logic[T any](e filterexpr.Expr, leaf func(filterexpr.Expr) (pred[T], error)) (pred[T], error) {
	switch x := e.(type) {
	case *filterexpr.And:
		ps, err := compileAll(x.Terms, leaf)
		if err != nil {
			return nil, err
		}
		if len(ps) == 2 {
			a, b := ps[0], ps[1]
			return func(v T) bool { return a(v) && b(v) }, nil
		}
		return func(v T) bool {
			for _, p := range ps {
				if !p(v) {
					return false
				}
			}
			return true
		}, nil
	case *filterexpr.Or:
		ps, err := compileAll(x.Terms, leaf)
		if err != nil {
			return nil, err
		}
		if len(ps) == 2 {
			a, b := ps[0], ps[1]
			return func(v T) bool { return a(v) || b(v) }, nil
		}
		return func(v T) bool {
			for _, p := range ps {
				if p(v) {
					return true
				}
			}
			return false
		}, nil
	case *filterexpr.Not:
		p, err := logic(x.X, leaf)
		if err != nil {
			return nil, err
		}
		return func(v T) bool { return !p(v) }, nil
	}
	return leaf(e)
}

func compileAll[T any](es []filterexpr.Expr, leaf func(filterexpr.Expr) (pred[T], error)) ([]pred[T], error) {
	ps := make([]pred[T], len(es))
	for i, e := range es {
		p, err := logic(e, leaf)
		if err != nil {
			return nil, err
		}
		ps[i] = p
	}
	return ps, nil
}

// errUnexpected reports an AST node in a scope where Parse does not put it:
// a tree built by hand, or a keyword the evaluator does not know.
func errUnexpected(e filterexpr.Expr, where string) error {
	return fmt.Errorf("cannot evaluate %s %s", e, where)
}

// trace compiles an expression evaluated against a whole trace.
func (c *compiler) trace(e filterexpr.Expr) (pred[*trace.Summary], error) {
	return logic(e, c.traceLeaf)
}

func (c *compiler) traceLeaf(e filterexpr.Expr) (pred[*trace.Summary], error) {
	switch x := e.(type) {
	case *filterexpr.Bare:
		return traceField(x.Field, nil)
	case *filterexpr.Compare:
		return traceField(x.Field, x)
	case *filterexpr.Service:
		return compileService(x)
	case *filterexpr.Edge:
		return compileEdge(x)
	case *filterexpr.RootCause:
		return compileRootCause(x)
	case *filterexpr.RootCauseJSON:
		return compileRootCauseJSON(x), nil
	case *filterexpr.Group:
		g, err := c.group(x, c.depth)
		if err != nil {
			return nil, err
		}
		if g == nil {
			return func(*trace.Summary) bool { return true }, nil
		}
		c.depth++
		defer func() { c.depth-- }()
		return c.trace(g)
	}
	return nil, errUnexpected(e, "at the top level")
}

// traceField compiles a trace-level keyword or annotation, bare (cmp nil)
// or compared.
func traceField(f filterexpr.Field, cmp *filterexpr.Compare) (pred[*trace.Summary], error) {
	k := f.Keyword
	if k == filterexpr.KwAnnotation {
		return annotationPred(f.Annotation, cmp), nil
	}
	switch k.Type() {
	case filterexpr.TypeBool:
		get, ok := traceBools[k]
		if !ok {
			break
		}
		return boolPred(get, cmp), nil
	case filterexpr.TypeNumber:
		var get func(s *trace.Summary) (float64, bool)
		switch k {
		case filterexpr.KwResponseTime:
			get = func(s *trace.Summary) (float64, bool) { return roundMicro(s.ResponseTime), true }
		case filterexpr.KwDuration:
			get = func(s *trace.Summary) (float64, bool) { return roundMicro(s.Duration), true }
		case filterexpr.KwHTTPStatus:
			get = func(s *trace.Summary) (float64, bool) { return float64(s.HTTP.Status), s.HTTP.Status != 0 }
		}
		if get == nil || cmp == nil {
			break
		}
		n := numTest{op: cmp.Op, v: cmp.Value.Num}
		return func(s *trace.Summary) bool {
			v, ok := get(s)
			return ok && n.test(v)
		}, nil
	case filterexpr.TypeString:
		t := strTestOf(cmp)
		if get := httpField(k); get != nil {
			return func(s *trace.Summary) bool { return t.test(get(&s.HTTP)) }, nil
		}
		var list func(s *trace.Summary) []string
		switch k {
		case filterexpr.KwUser:
			return func(s *trace.Summary) bool {
				for i := range s.Users {
					if t.test(s.Users[i].Name) {
						return true
					}
				}
				return false
			}, nil
		case filterexpr.KwAvailabilityZone:
			list = func(s *trace.Summary) []string { return s.AvailabilityZones }
		case filterexpr.KwInstanceID:
			list = func(s *trace.Summary) []string { return s.InstanceIDs }
		case filterexpr.KwResourceARN:
			list = func(s *trace.Summary) []string { return s.ResourceARNs }
		}
		if list == nil {
			break
		}
		return func(s *trace.Summary) bool {
			for _, v := range list(s) {
				if t.test(v) {
					return true
				}
			}
			return false
		}, nil
	}
	return nil, fmt.Errorf("cannot evaluate %s at the top level", k)
}

// traceBools are the trace-level boolean keywords.
var traceBools = map[filterexpr.Keyword]func(*trace.Summary) bool{
	filterexpr.KwOK:       func(s *trace.Summary) bool { return !s.HasFault && !s.HasError && !s.HasThrottle },
	filterexpr.KwError:    func(s *trace.Summary) bool { return s.HasError },
	filterexpr.KwFault:    func(s *trace.Summary) bool { return s.HasFault },
	filterexpr.KwThrottle: func(s *trace.Summary) bool { return s.HasThrottle },
	filterexpr.KwPartial:  func(s *trace.Summary) bool { return s.IsPartial },
	filterexpr.KwInferred: func(s *trace.Summary) bool {
		for i := range s.Graph.Nodes {
			if s.Graph.Nodes[i].Inferred {
				return true
			}
		}
		return false
	},
}

// boolPred compiles a boolean keyword written bare, or compared with = or
// != to true or false. Booleans are always set.
func boolPred[T any](get func(T) bool, cmp *filterexpr.Compare) pred[T] {
	if cmp == nil || (cmp.Op == filterexpr.OpEq) == cmp.Value.Bool {
		return get
	}
	return func(v T) bool { return !get(v) }
}

// httpField returns the reader of a string http.* keyword, or nil.
func httpField(k filterexpr.Keyword) func(*trace.HTTP) string {
	switch k {
	case filterexpr.KwHTTPURL:
		return func(h *trace.HTTP) string { return h.URL }
	case filterexpr.KwHTTPMethod:
		return func(h *trace.HTTP) string { return h.Method }
	case filterexpr.KwHTTPUserAgent:
		return func(h *trace.HTTP) string { return h.UserAgent }
	case filterexpr.KwHTTPClientIP:
		return func(h *trace.HTTP) string { return h.ClientIP }
	}
	return nil
}

// numTest compares a number with a literal.
type numTest struct {
	op filterexpr.Op
	v  float64
}

func (n numTest) test(x float64) bool {
	switch n.op {
	case filterexpr.OpEq:
		return x == n.v
	case filterexpr.OpNe:
		return x != n.v
	case filterexpr.OpLt:
		return x < n.v
	case filterexpr.OpLe:
		return x <= n.v
	case filterexpr.OpGt:
		return x > n.v
	case filterexpr.OpGe:
		return x >= n.v
	}
	return false
}

// strTest compares a string with a literal; a bare keyword (presence) is
// the test "set". The empty string is "not set" and satisfies no
// comparison, not even !=.
type strTest struct {
	op filterexpr.Op // 0: presence
	v  string
}

func strTestOf(cmp *filterexpr.Compare) strTest {
	if cmp == nil {
		return strTest{}
	}
	return strTest{op: cmp.Op, v: cmp.Value.Str}
}

func (t strTest) test(x string) bool {
	return x != "" && t.value(x)
}

// value compares a value that is set (annotations: "" is a value).
func (t strTest) value(x string) bool {
	switch t.op {
	case 0:
		return true
	case filterexpr.OpEq:
		return x == t.v
	case filterexpr.OpNe:
		return x != t.v
	case filterexpr.OpContains:
		return strings.Contains(x, t.v)
	case filterexpr.OpBeginsWith:
		return strings.HasPrefix(x, t.v)
	case filterexpr.OpEndsWith:
		return strings.HasSuffix(x, t.v)
	}
	return false
}

// annotationPred compiles annotation.key, bare (cmp nil) or compared. With
// several values, one that matches is enough; a value of another type than
// the literal never matches. Bare, the annotation is true when it has a
// value, except that a boolean value counts as its value.
func annotationPred(key string, cmp *filterexpr.Compare) pred[*trace.Summary] {
	if cmp == nil {
		return func(s *trace.Summary) bool {
			for _, v := range s.Annotations[key] {
				if v.Bool == nil || *v.Bool {
					return true
				}
			}
			return false
		}
	}
	switch cmp.Value.Type {
	case filterexpr.TypeString:
		t := strTestOf(cmp)
		return func(s *trace.Summary) bool {
			for _, v := range s.Annotations[key] {
				if v.String != nil && t.value(*v.String) {
					return true
				}
			}
			return false
		}
	case filterexpr.TypeNumber:
		n := numTest{op: cmp.Op, v: cmp.Value.Num}
		return func(s *trace.Summary) bool {
			for _, v := range s.Annotations[key] {
				if v.Number != nil && n.test(*v.Number) {
					return true
				}
			}
			return false
		}
	}
	want := cmp.Value.Bool == (cmp.Op == filterexpr.OpEq) // = true, != false: the value is true
	return func(s *trace.Summary) bool {
		for _, v := range s.Annotations[key] {
			if v.Bool != nil && *v.Bool == want {
				return true
			}
		}
		return false
	}
}
