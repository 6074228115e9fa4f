package query

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/filterexpr"
	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// FuzzCompileFilter checks, for any expression Parse accepts, that
// CompileFilter either compiles it or reports a group error, and that Match
// neither panics nor disagrees with the index terms: every summary it
// accepts has every term. Its seeds are the evaluation corpus's
// expressions.
func FuzzCompileFilter(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "filter", "*.txt"))
	if err != nil || len(files) == 0 {
		f.Fatalf("cannot find the filter corpus: %v", err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if expr, ok := strings.CutPrefix(line, "eval "); ok {
				f.Add(expr)
			}
		}
	}
	for _, bf := range benchFilters {
		f.Add(bf.expr)
	}
	sums := append(realisticSummaries(f, 6, 2), &trace.Summary{}, &trace.Summary{Graph: trace.Graph{Nodes: []trace.Node{{Edges: []trace.Edge{{Target: 7}}}}}})
	terms := make([][]string, len(sums))
	for i, s := range sums {
		terms[i] = s.Terms()
	}
	groups := func(ref *filterexpr.Group) (filterexpr.Expr, error) {
		switch ref.Value {
		case "Default":
			return nil, nil
		case "g":
			return &filterexpr.Bare{Field: filterexpr.Field{Keyword: filterexpr.KwFault}}, nil
		}
		return defaultGroupOnly(ref)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := filterexpr.Parse(s)
		if err != nil {
			return
		}
		flt, err := CompileFilter(e, FilterOptions{Group: groups})
		if err != nil {
			if !strings.Contains(err.Error(), "cannot resolve group.") {
				t.Fatalf("CompileFilter(%q): %v", s, err)
			}
			return
		}
		for i, sum := range sums {
			if !flt.Match(sum) {
				continue
			}
			for _, term := range flt.Terms {
				if _, ok := slices.BinarySearch(terms[i], term); !ok {
					t.Fatalf("%q matches summary %d, which lacks its term %q", s, i, term)
				}
			}
		}
	})
}
