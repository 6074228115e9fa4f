package api

import (
	"context"
	"errors"
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
// group has no filter. Both may be given if they name the same group.
func (a *API) requestGroup(name, arn string) (*store.Filter, error) {
	if name == "" && arn == "" {
		return nil, nil
	}
	var np, ap *string
	if name != "" {
		np = &name
	}
	if arn != "" {
		ap = &arn
	}
	g, _, err := a.lookupGroup(context.Background(), np, ap)
	if err != nil {
		return nil, err
	}
	if isBlank(g.FilterExpression) {
		return nil, nil
	}
	e, err := parseExpression("group "+g.GroupName, g.FilterExpression, MaxFilterExpression)
	if err != nil {
		return nil, err
	}
	return a.compileFilter("group "+g.GroupName, e)
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
