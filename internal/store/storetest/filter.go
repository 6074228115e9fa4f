package storetest

import (
	"slices"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// t1 is the base time of testdata/filter.jsonl.
const t1 = 1700100000.0

// Filters as a filter-expression compiler would build them: Terms every
// match has (trace.Summary.Terms vocabulary), Match the exact predicate.
// They are plain Go here, so that the suite needs no compiler.

func annotationIs(key string, value any) *store.Filter {
	return &store.Filter{
		Terms: []string{trace.AnnotationKeyTerm(key), trace.AnnotationTerm(key, value)},
		Match: func(s *trace.Summary) bool { return hasAnnotation(s, key, value) },
	}
}

func hasAnnotation(s *trace.Summary, key string, value any) bool {
	for _, v := range s.Annotations[key] {
		switch want := value.(type) {
		case string:
			if v.String != nil && *v.String == want {
				return true
			}
		case float64:
			if v.Number != nil && *v.Number == want {
				return true
			}
		case bool:
			if v.Bool != nil && *v.Bool == want {
				return true
			}
		case nil:
			return true
		}
	}
	return false
}

// serviceHad is service("name") { fault }, { error } and the like.
func serviceHad(name string, o trace.Outcome) *store.Filter {
	return &store.Filter{
		Terms: []string{trace.ServiceTerm(name), trace.ServiceOutcomeTerm(name, o)},
		Match: func(s *trace.Summary) bool { return nodeHad(s, name, o) },
	}
}

func nodeHad(s *trace.Summary, name string, o trace.Outcome) bool {
	for _, n := range s.Graph.Nodes {
		if n.Name != name || n.Client {
			continue
		}
		for _, ob := range n.Obs {
			if ob.Outcome == o {
				return true
			}
		}
	}
	return false
}

func userIs(name string) *store.Filter {
	return &store.Filter{
		Terms: []string{trace.UserTerm(name)},
		Match: func(s *trace.Summary) bool {
			return slices.ContainsFunc(s.Users, func(u trace.User) bool { return u.Name == name })
		},
	}
}

// and is the conjunction of filters: the union of their terms.
func and(fs ...*store.Filter) *store.Filter {
	out := &store.Filter{}
	for _, f := range fs {
		out.Terms = append(out.Terms, f.Terms...)
	}
	out.Match = func(s *trace.Summary) bool {
		for _, f := range fs {
			if !f.Match(s) {
				return false
			}
		}
		return true
	}
	return out
}

// matchOnly is a filter without terms, like `fault` or `responsetime > 1`.
func matchOnly(match func(*trace.Summary) bool) *store.Filter {
	return &store.Filter{Match: match}
}

// filterCase is a filter and the traces of testdata/filter.jsonl it matches.
type filterCase struct {
	name   string
	filter *store.Filter
	want   []string // trace names, any order
}

func filterCases() []filterCase {
	return []filterCase{
		{"match only: root fault", matchOnly(func(s *trace.Summary) bool { return s.HasFault }), []string{"web-4"}},
		{"match only: a fault anywhere", matchOnly(func(s *trace.Summary) bool {
			return slices.ContainsFunc(s.Graph.Nodes, func(n trace.Node) bool { return nodeHad(s, n.Name, trace.Fault) })
		}), []string{"web-2", "web-4", "web-5", "web-6", "web-8", "web-9", "web-10"}},
		{"match only: response time over 100 s", matchOnly(func(s *trace.Summary) bool { return s.Duration > 100 }),
			[]string{"web-5"}},
		{"annotation string", annotationIs("tier", "gold"),
			[]string{"web-1", "web-3", "web-4", "web-5", "web-6", "web-8", "web-9", "web-10"}},
		{"annotation number and bool", and(annotationIs("cart", 3.0), annotationIs("beta", true)), []string{"web-1"}},
		{"service fault", serviceHad("auth", trace.Fault),
			[]string{"web-2", "web-5", "web-6", "web-8", "web-9", "web-10"}},
		{"service error, terms weaker than match", &store.Filter{
			Terms: []string{trace.ServiceTerm("auth")},
			Match: func(s *trace.Summary) bool { return nodeHad(s, "auth", trace.ErrorOther) },
		}, []string{"web-3"}},
		{"user", userIs("alice"), []string{"web-1", "web-3"}},
		{"conjunction of a common and a rare term", and(annotationIs("tier", "gold"), userIs("bob")), []string{"web-10"}},
		{"conjunction with no match", and(annotationIs("tier", "silver"), userIs("alice")), nil},
		{"term no trace has", annotationIs("tier", "platinum"), nil},
		{"one of many values of a key", annotationIs("item", "i-17"), []string{"web-11"}},
		{"one of very many terms", annotationIs("k07", "v3"), []string{"web-12"}},
		{"key of very many terms", &store.Filter{
			Terms: []string{trace.AnnotationKeyTerm("k29")},
			Match: func(s *trace.Summary) bool { return hasAnnotation(s, "k29", nil) },
		}, []string{"web-12"}},
	}
}

// filterWindows are windows on every range type that cut the fixture.
var filterWindows = []struct{ start, end float64 }{
	{0, 1e10},
	{t1, t1 + 86400},
	{t1 + 10, t1 + 10.3},
	{t1 + 25, t1 + 100},
	{t1 + 150, t1 + 250},
	{t1 + 290, t1 + 310},
	{0x12345678, 0x12345679},
}

// matching is what a filtered query must return: the unfiltered result,
// in its order, without the traces Match rejects.
func (h *harness) matching(q store.TraceQuery) []store.Position {
	h.t.Helper()
	f := q.Filter
	q.Filter = nil
	var out []store.Position
	for _, r := range h.find(q, 0) {
		if f.Match(r.sum) {
			out = append(out, r.pos)
		}
	}
	return out
}

func namesOf(w *window, ps []store.Position) []string {
	names := w.names(traceIDs(ps))
	slices.Sort(names)
	return names
}

// checkFilters runs every filter case on every range type and window: the
// result is the unfiltered one less what Match rejects, every summary
// passed to the caller matches, and the full window holds the expected
// traces.
func checkFilters(h *harness, w *window, when string) {
	t := h.t
	for _, tc := range filterCases() {
		for _, rt := range rangeTypes {
			for _, win := range filterWindows {
				q := store.TraceQuery{Start: win.start, End: win.end, RangeType: rt, Filter: tc.filter}
				got := h.find(q, 0)
				for _, r := range got {
					if !tc.filter.Match(r.sum) {
						t.Errorf("%s: %s, range type %d: summary of %s does not match the filter", when, tc.name, rt, w.names([]string{r.pos.TraceID}))
					}
				}
				if want := h.matching(q); !slices.Equal(positions(got), want) {
					t.Errorf("%s: %s, range type %d, window [%v, %v): got %v, want %v",
						when, tc.name, rt, win.start, win.end, w.names(traceIDs(positions(got))), w.names(traceIDs(want)))
				}
			}
			q := store.TraceQuery{Start: 0, End: 1e10, RangeType: rt, Filter: tc.filter}
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if got := namesOf(w, positions(h.find(q, 0))); !slices.Equal(got, want) {
				t.Errorf("%s: %s, range type %d: found %v, want %v", when, tc.name, rt, got, want)
			}
		}
	}
}

// newFilterWindow is testdata/filter.jsonl, with the traces named.
func newFilterWindow(h *harness) *window {
	return newWindowOf(h.t, flat(fixture(h.t, "filter.jsonl")))
}

// Filters narrow FindTraces to what Match accepts, on every range type and
// window, whether or not they have terms, including traces that start and
// end far apart, trace IDs whose epoch is not their start, ties, several
// days, and traces with very many annotation values; and the same after
// reopening the store.
func testFindTracesFilter(h *harness) {
	w := newFilterWindow(h)
	h.write(w.docs...)
	h.sync()
	checkFilters(h, w, "after sync")
	h.reopen()
	checkFilters(h, w, "after reopen")
}

// Pages of a filtered query add up to the whole filtered result.
func testFindTracesFilterPagination(h *harness) {
	t := h.t
	w := newFilterWindow(h)
	h.write(w.docs...)
	h.sync()
	for _, tc := range filterCases() {
		for _, rt := range rangeTypes {
			q := store.TraceQuery{Start: 0, End: 1e10, RangeType: rt, Filter: tc.filter}
			all := positions(h.find(q, 0))
			for _, size := range []int{1, 2} {
				q.After = nil
				var paged []store.Position
				for pages := 0; ; pages++ {
					if pages > len(all)+1 {
						t.Fatalf("%s, range type %d, pages of %d: pagination does not end", tc.name, rt, size)
					}
					page := h.find(q, size)
					if len(page) == 0 {
						break
					}
					paged = append(paged, positions(page)...)
					last := page[len(page)-1].pos
					q.After = &last
				}
				if !slices.Equal(paged, all) {
					t.Errorf("%s, range type %d, pages of %d: got %v, want %v", tc.name, rt, size,
						w.names(traceIDs(paged)), w.names(traceIDs(all)))
				}
			}
		}
	}
}

// A trace whose terms change with late data (a segment replaced by its
// complete version with another user and annotation) is found by its new
// terms at its new times, and no longer by its old ones, also after a
// reopen.
func testFilterLateData(h *harness) {
	t := h.t
	late := fixture(t, "filter_late.jsonl")
	w := newWindowOf(t, flat(late))
	id := w.id("web-7")
	h.write(late[0]...)
	h.sync()
	pending, dave := annotationIs("status", "pending"), userIs("dave")
	done, erin := annotationIs("status", "done"), userIs("erin")
	faulty := matchOnly(func(s *trace.Summary) bool { return s.HasFault })
	find := func(f *store.Filter, rt store.RangeType, start, end float64) []string {
		return traceIDs(positions(h.find(store.TraceQuery{Start: start, End: end, RangeType: rt, Filter: f}, 0)))
	}
	check := func(when string, present, absent []*store.Filter, end float64) {
		t.Helper()
		for _, rt := range rangeTypes {
			for _, f := range present {
				if got := find(f, rt, 0, 1e10); !slices.Equal(got, []string{id}) {
					t.Errorf("%s, range type %d: filter with terms %v found %v, want web-7", when, rt, f.Terms, got)
				}
			}
			for _, f := range absent {
				if got := find(f, rt, 0, 1e10); len(got) != 0 {
					t.Errorf("%s, range type %d: filter with terms %v found %v, want nothing", when, rt, f.Terms, got)
				}
			}
		}
		// At its end time, and only there.
		for _, f := range present {
			if got := find(f, store.ByEndTime, end, end+0.001); !slices.Equal(got, []string{id}) {
				t.Errorf("%s: by end time %v, filter with terms %v found %v, want web-7", when, end, f.Terms, got)
			}
		}
	}
	// shop is a term both versions have: the trace must move, not double.
	shop := annotationIs("shop", "eu")
	check("in progress", []*store.Filter{pending, dave, shop}, []*store.Filter{done, erin, faulty}, t1+70)
	h.write(late[1]...)
	h.sync()
	check("completed", []*store.Filter{done, erin, faulty, shop, and(done, erin)}, []*store.Filter{pending, dave, and(pending, erin)}, t1+75)
	for _, f := range []*store.Filter{done, shop} {
		if got := find(f, store.ByEndTime, t1+70, t1+70.001); len(got) != 0 {
			t.Errorf("completed: filter with terms %v found it at its old end time: %v", f.Terms, got)
		}
	}
	h.reopen()
	check("completed, reopened", []*store.Filter{done, erin, faulty, shop}, []*store.Filter{pending, dave}, t1+75)
}
