package api

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/lightbox-tracing/lightbox/internal/filterexpr"
	"github.com/lightbox-tracing/lightbox/internal/query"
	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// MaxFilterExpression caps FilterExpression, in characters. AWS does not
// publish a limit for GetTraceSummaries; 2,000 is far beyond any filter a
// person writes, and keeps parsing cost bounded.
const MaxFilterExpression = 2000

// MaxEntitySelector caps EntitySelectorExpression, in characters, as
// X-Ray's API model does (1–500).
const MaxEntitySelector = 500

// parseExpression parses a filter-language member of a request. Its errors
// are InvalidRequestExceptions that name the member, the problem and its
// column.
func parseExpression(member, s string, limit int) (filterexpr.Expr, error) {
	if n := utf8.RuneCountInString(s); n > limit {
		return nil, invalidRequest("%s is %d characters long; the limit is %d", member, n, limit)
	}
	e, err := filterexpr.Parse(s)
	if err != nil {
		return nil, invalidRequest("%s: %v", member, err)
	}
	return e, nil
}

// groupFilter returns the filter expression of a group a request or a
// filter expression names. Only the built-in Default group exists so far,
// and it has no filter (nil: every trace).
func (a *API) groupFilter(ref *filterexpr.Group) (filterexpr.Expr, error) {
	if ref.ByARN && ref.Value == a.defaultGroupARN() || !ref.ByARN && ref.Value == defaultGroupName {
		return nil, nil
	}
	return nil, fmt.Errorf("group %q does not exist", ref.Value)
}

// compileFilter compiles a parsed filter expression; its errors (unknown
// groups) are the caller's.
func (a *API) compileFilter(member string, e filterexpr.Expr) (*store.Filter, error) {
	f, err := query.CompileFilter(e, query.FilterOptions{Group: a.groupFilter})
	if err != nil {
		return nil, invalidRequest("%s: %v", member, err)
	}
	return f, nil
}

// requestGroup resolves the GroupName and GroupARN of a request into the
// filter of the traces the group holds: nil when there is no group or the
// group has no filter. (While Default is the only group, a name and an ARN
// that both exist cannot disagree.)
func (a *API) requestGroup(name, arn string) (*store.Filter, error) {
	var refs []*filterexpr.Group
	if name != "" {
		refs = append(refs, &filterexpr.Group{Value: name})
	}
	if arn != "" {
		refs = append(refs, &filterexpr.Group{ByARN: true, Value: arn})
	}
	var f *store.Filter
	for _, ref := range refs {
		g, err := a.groupFilter(ref)
		if err != nil {
			return nil, invalidRequest("%v", err)
		}
		if g == nil {
			continue
		}
		if f, err = a.compileFilter("group "+ref.Value, g); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// countingFilter wraps f so that the traces its Match examines are counted
// (TracesProcessedCount): traces an engine skipped through the index were
// never processed. Match may run on several goroutines.
func countingFilter(f *store.Filter, n *atomic.Int64) *store.Filter {
	match := f.Match
	return &store.Filter{Terms: f.Terms, Match: func(s *trace.Summary) bool {
		n.Add(1)
		return match(s)
	}}
}

// isBlank reports whether an optional expression member is absent: empty
// or only white space, which some clients send for "no filter".
func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// parseEntitySelector parses and compiles an EntitySelectorExpression. A
// bare id(…), which AWS's documentation shows for this member, selects the
// node as service(id(…)) does; error columns still count from the member's
// first character.
func parseEntitySelector(s string) (query.Selection, error) {
	const member = "EntitySelectorExpression"
	if n := utf8.RuneCountInString(s); n > MaxEntitySelector {
		return query.Selection{}, invalidRequest("%s is %d characters long; the limit is %d", member, n, MaxEntitySelector)
	}
	src, shift := s, 0
	if trimmed := strings.TrimLeft(s, " \t\r\n"); len(trimmed) >= 2 && strings.EqualFold(trimmed[:2], "id") && strings.HasPrefix(strings.TrimLeft(trimmed[2:], " \t\r\n"), "(") {
		const wrap = "service("
		src, shift = wrap+s+")", utf8.RuneCountInString(wrap)
	}
	e, err := filterexpr.Parse(src)
	if err != nil {
		var perr *filterexpr.Error
		if shift > 0 && errors.As(err, &perr) {
			// Report the error in the text the client sent: without the
			// wrapper in quoted context, at the column of the original.
			moved := *perr
			moved.Pos = max(1, min(perr.Pos-shift, utf8.RuneCountInString(s)+1))
			moved.Msg = strings.NewReplacer(`"service(`, `"`, "`service(", "`").Replace(moved.Msg)
			err = &moved
		}
		return query.Selection{}, invalidRequest("%s: %v", member, err)
	}
	sel, err := query.CompileEntitySelector(e)
	if err != nil {
		return query.Selection{}, invalidRequest("%s: %v", member, err)
	}
	return sel, nil
}
