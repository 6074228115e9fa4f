package filterexpr

import "fmt"

// Inspect calls f for e and, while f returns true, for each node below it
// in depth-first order, including the blocks of service(), edge() and
// rootcause keywords.
func Inspect(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	switch e := e.(type) {
	case *And:
		for _, x := range e.Terms {
			Inspect(x, f)
		}
	case *Or:
		for _, x := range e.Terms {
			Inspect(x, f)
		}
	case *Not:
		Inspect(e.X, f)
	case *Service:
		Inspect(e.Block, f)
	case *Edge:
		Inspect(e.Block, f)
	case *RootCause:
		Inspect(e.Block, f)
	}
}

// maxGroupDepth bounds how deeply group filters may refer to other groups;
// deeper nesting is almost surely two groups referring to each other.
const maxGroupDepth = 8

// ResolveGroups returns e with every group.name / group.arn reference
// replaced by the expression lookup returns for that group, resolved in
// turn. lookup's errors (an unknown group) are returned wrapped; so is a
// chain of references deeper than 8, which is how a cycle shows. e itself
// is not modified: subtrees without references are shared.
func ResolveGroups(e Expr, lookup func(*Group) (Expr, error)) (Expr, error) {
	return resolve(e, lookup, 0)
}

func resolve(e Expr, lookup func(*Group) (Expr, error), depth int) (Expr, error) {
	switch e := e.(type) {
	case *Group:
		if depth >= maxGroupDepth {
			return nil, fmt.Errorf("cannot resolve %s: group filters refer to each other more than %d deep", e, maxGroupDepth)
		}
		g, err := lookup(e)
		if err != nil {
			return nil, fmt.Errorf("cannot resolve %s: %w", e, err)
		}
		return resolve(g, lookup, depth+1)
	case *And:
		terms, err := resolveAll(e.Terms, lookup, depth)
		if err != nil || terms == nil {
			return e, err
		}
		return &And{Terms: flatten[*And](terms, func(a *And) []Expr { return a.Terms })}, nil
	case *Or:
		terms, err := resolveAll(e.Terms, lookup, depth)
		if err != nil || terms == nil {
			return e, err
		}
		return &Or{Terms: flatten[*Or](terms, func(o *Or) []Expr { return o.Terms })}, nil
	case *Not:
		x, err := resolve(e.X, lookup, depth)
		if err != nil || x == e.X {
			return e, err
		}
		return &Not{X: x}, nil
	}
	return e, nil
}

// resolveAll resolves each expression; it returns nil (and no error) when
// nothing changed, so that the caller can keep its node.
func resolveAll(xs []Expr, lookup func(*Group) (Expr, error), depth int) ([]Expr, error) {
	var out []Expr
	for i, x := range xs {
		r, err := resolve(x, lookup, depth)
		if err != nil {
			return nil, err
		}
		if r != x && out == nil {
			out = append(make([]Expr, 0, len(xs)), xs[:i]...)
		}
		if out != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// flatten splices operands of the same kind as their parent into it, so
// that a resolved tree keeps the parser's shape (no And directly in And).
func flatten[T Expr](xs []Expr, terms func(T) []Expr) []Expr {
	out := make([]Expr, 0, len(xs))
	for _, x := range xs {
		if t, ok := x.(T); ok {
			out = append(out, terms(t)...)
		} else {
			out = append(out, x)
		}
	}
	return out
}
