package local

import (
	"fmt"
	"slices"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

func TestIndexed(t *testing.T) {
	for term, want := range map[string]bool{
		trace.AnnotationTerm("k", "v"):                     true,
		trace.AnnotationKeyTerm("k"):                       true,
		trace.ServiceTerm("auth"):                          true,
		trace.ServiceOutcomeTerm("auth", trace.Fault):      true,
		trace.ServiceOutcomeTerm("auth", trace.Throttle):   true,
		trace.ServiceOutcomeTerm("auth", trace.ErrorOther): true,
		trace.UserTerm("alice"):                            true,
		"s0:auth":                                          false, // no OK outcome term
		"s9:auth":                                          false,
		"f:fault":                                          false, // a kind this engine does not index
		"":                                                 false,
	} {
		if got := indexed(term); got != want {
			t.Errorf("indexed(%q) = %v, want %v", term, got, want)
		}
	}
}

func TestKeyOverflow(t *testing.T) {
	f := func(term, want string, wantOK bool) {
		t.Helper()
		got, ok := keyOverflow(term)
		if got != want || ok != wantOK {
			t.Errorf("keyOverflow(%q) = %q, %v; want %q, %v", term, got, ok, want, wantOK)
		}
	}
	f(trace.AnnotationTerm("user", "x"), "a:user=\x00", true)
	f(trace.AnnotationTerm("n", 3.5), "a:n=\x00", true)
	f(trace.AnnotationKeyTerm("user"), "", false)
	f(trace.ServiceTerm("a=b"), "", false)
	f(trace.UserTerm("x"), "", false)
}

// summaryWith builds a summary with the given annotation values per key and
// users.
func summaryWith(values map[string]int, users int) *trace.Summary {
	s := &trace.Summary{Annotations: map[string][]trace.AnnotationValue{}}
	for k, n := range values {
		for i := range n {
			v := fmt.Sprintf("v%d", i)
			s.Annotations[k] = append(s.Annotations[k], trace.AnnotationValue{String: &v})
		}
	}
	for i := range users {
		s.Users = append(s.Users, trace.User{Name: fmt.Sprintf("u%d", i)})
	}
	return s
}

func TestIndexTermsBounds(t *testing.T) {
	cases := []struct {
		name    string
		sum     *trace.Summary
		n       int      // terms indexed
		has     []string // some of them
		hasNot  []string
		onlyOne string // the single term, when set
	}{
		{"a key at the value bound", summaryWith(map[string]int{"k": maxTermValuesPerKey}, 0), maxTermValuesPerKey + 1,
			[]string{"a:k", "a:k=s:v0", "a:k=s:v15"}, []string{"a:k=\x00"}, ""},
		{"a key over the value bound", summaryWith(map[string]int{"k": maxTermValuesPerKey + 1, "j": 1}, 0), 4,
			[]string{"a:k", "a:k=\x00", "a:j", "a:j=s:v0"}, []string{"a:k=s:v0", "a:k=s:v16"}, ""},
		{"a trace at the term bound", summaryWith(nil, maxTermsPerTrace), maxTermsPerTrace, []string{"u:u0"}, nil, ""},
		{"a trace over the term bound", summaryWith(nil, maxTermsPerTrace+1), 1, nil, nil, overflowTerm},
		{"values over the bound still count as one term", summaryWith(map[string]int{"k": 1000}, maxTermsPerTrace-2), maxTermsPerTrace, []string{"a:k=\x00"}, nil, ""},
	}
	for _, tc := range cases {
		got := indexTerms(tc.sum)
		if len(got) != tc.n {
			t.Errorf("%s: %d terms, want %d", tc.name, len(got), tc.n)
		}
		for _, h := range tc.has {
			if !slices.Contains(got, h) {
				t.Errorf("%s: %q not indexed", tc.name, h)
			}
		}
		for _, h := range tc.hasNot {
			if slices.Contains(got, h) {
				t.Errorf("%s: %q indexed", tc.name, h)
			}
		}
		if tc.onlyOne != "" && !slices.Equal(got, []string{tc.onlyOne}) {
			t.Errorf("%s: indexed under %q, want only %q", tc.name, got, tc.onlyOne)
		}
	}
}

func TestIndexTermsSkipsUnindexedKinds(t *testing.T) {
	s := summaryWith(map[string]int{"k": 1}, 1)
	s.Graph.Nodes = []trace.Node{
		{ServiceID: trace.ServiceID{Name: "auth"}, Obs: []trace.Observation{{Outcome: trace.Fault}}},
		{ServiceID: trace.ServiceID{Name: "client"}, Client: true},
	}
	want := []string{"a:k", "a:k=s:v0", "s3:auth", "s:auth", "u:u0"}
	if got := indexTerms(s); !slices.Equal(got, want) {
		t.Errorf("indexTerms = %q, want %q", got, want)
	}
}
