package query

import (
	"errors"
	"fmt"
	"slices"

	"github.com/lightbox-tracing/lightbox/internal/filterexpr"
	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// FilterOptions are what compiling a filter expression needs to know
// beyond the expression itself.
type FilterOptions struct {
	// Group returns the filter expression of the group that a group.name
	// or group.arn reference names: nil for a group without a filter
	// (X-Ray's Default group), which every trace matches, and an error for
	// a group that does not exist. When Group is nil, every group
	// reference is an error.
	Group func(ref *filterexpr.Group) (filterexpr.Expr, error)
}

// maxGroupDepth bounds how deeply group filters may refer to other groups,
// which is how two groups referring to each other show (the same bound as
// filterexpr.ResolveGroups).
const maxGroupDepth = 8

// CompileFilter turns a parsed filter expression into a store.Filter.
// Match evaluates the whole expression against a trace summary, as
// filterexpr's package documentation and xray-compat.md §6.2 define it
// (filter_eval.go lists the decisions made where they are silent); it does
// not allocate and is safe for concurrent use. Terms are index terms
// (trace.Summary.Terms vocabulary) that every trace Match accepts has; they
// are derived from filterexpr.RequiredTerms conservatively, so that an
// index never excludes a trace Match would accept.
//
// The errors are the caller's: a group reference to a group that does not
// exist, or group filters that refer to each other in a cycle.
func CompileFilter(e filterexpr.Expr, opts FilterOptions) (*store.Filter, error) {
	if e == nil {
		return nil, errors.New("cannot compile an empty filter expression")
	}
	c := compiler{opts: opts}
	match, err := c.trace(e)
	if err != nil {
		return nil, err
	}
	terms, err := c.terms(e, 0)
	if err != nil {
		return nil, err
	}
	slices.Sort(terms)
	return &store.Filter{Terms: slices.Compact(terms), Match: match}, nil
}

// compiler carries the options and the depth of group references through
// one compilation.
type compiler struct {
	opts  FilterOptions
	depth int // group references being compiled, outermost first
}

// group returns the filter of the group ref names (nil: every trace).
func (c *compiler) group(ref *filterexpr.Group, depth int) (filterexpr.Expr, error) {
	if depth >= maxGroupDepth {
		return nil, fmt.Errorf("cannot resolve %s: group filters refer to each other more than %d deep", ref, maxGroupDepth)
	}
	if c.opts.Group == nil {
		return nil, fmt.Errorf("cannot resolve %s: groups are not available here", ref)
	}
	g, err := c.opts.Group(ref)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve %s: %w", ref, err)
	}
	return g, nil
}

// terms converts the expression's required terms into index terms, adding
// those of the groups referenced in its top-level conjunction.
func (c *compiler) terms(e filterexpr.Expr, depth int) ([]string, error) {
	out := indexTerms(filterexpr.RequiredTerms(e))
	conj := []filterexpr.Expr{e}
	if a, ok := e.(*filterexpr.And); ok {
		conj = a.Terms
	}
	for _, x := range conj {
		ref, ok := x.(*filterexpr.Group)
		if !ok {
			continue
		}
		g, err := c.group(ref, depth)
		if err != nil {
			return nil, err
		}
		if g == nil {
			continue
		}
		more, err := c.terms(g, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// indexTerms keeps the required terms that trace.Summary.Terms emits for
// every trace Match accepts, in its vocabulary:
//
//   - annotation.k = v and annotation.k: the value's term and the key's
//     term. A number equal to zero gets only the key's term, since -0 and
//     0 are equal but spelt differently.
//   - service("n") and both ends of edge("n", "m"): the node's name; with
//     fault or throttle required in the block, the name with that outcome.
//     An error in a block is not an outcome term: a node "had an error"
//     when it had an ErrorOther or a Throttle observation.
//   - user = "u": the user's term.
//
// Every other term (nodes selected by type or account only, trace-level
// keywords) has no index term and is left to Match.
func indexTerms(t filterexpr.Terms) []string {
	var out []string
	for _, a := range t.Annotations {
		out = append(out, trace.AnnotationKeyTerm(a.Key))
		if v := a.Value; v != nil {
			switch v.Type {
			case filterexpr.TypeString:
				out = append(out, trace.AnnotationTerm(a.Key, v.Str))
			case filterexpr.TypeNumber:
				if v.Num != 0 {
					out = append(out, trace.AnnotationTerm(a.Key, v.Num))
				}
			case filterexpr.TypeBool:
				out = append(out, trace.AnnotationTerm(a.Key, v.Bool))
			}
		}
	}
	for _, s := range t.Services {
		if s.Node == nil || s.Node.Name == nil {
			continue
		}
		name := *s.Node.Name
		out = append(out, trace.ServiceTerm(name))
		if s.Fault {
			out = append(out, trace.ServiceOutcomeTerm(name, trace.Fault))
		}
		if s.Throttle {
			out = append(out, trace.ServiceOutcomeTerm(name, trace.Throttle))
		}
	}
	for _, k := range t.Keywords {
		if k.Keyword == filterexpr.KwUser && k.Value != nil && k.Value.Type == filterexpr.TypeString {
			out = append(out, trace.UserTerm(k.Value.Str))
		}
	}
	return out
}
