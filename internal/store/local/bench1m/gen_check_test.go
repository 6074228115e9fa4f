//go:build bench1m

package bench1m

import (
	"slices"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// The generator makes valid traces of ten documents that the benchmark's
// filters tell apart, at the intended rates.
func TestGenTrace(t *testing.T) {
	var userX, authFault, bytes int
	const n = 20000
	for i := range n {
		var docs []*segment.Document
		for _, raw := range genTrace(i) {
			d, err := segment.Parse(raw)
			if err != nil {
				t.Fatalf("trace %d: %v\n%s", i, err, raw)
			}
			docs = append(docs, d...)
			bytes += len(raw)
		}
		if len(docs) != docsPerTrace {
			t.Fatalf("trace %d has %d documents", i, len(docs))
		}
		sum := trace.Assemble(docs[0].TraceID, docs).Summary()
		terms := sum.Terms()
		wantX, wantFault := traceKind(i)
		hasX := slices.Contains(terms, trace.AnnotationTerm("user", "x"))
		hasFault := slices.Contains(terms, trace.ServiceOutcomeTerm("auth", trace.Fault))
		if hasX != wantX || hasFault != wantFault {
			t.Fatalf("trace %d: user x %v (want %v), auth fault %v (want %v); terms %q", i, hasX, wantX, hasFault, wantFault, terms)
		}
		if sum.IsPartial || len(sum.Graph.Nodes) < 4 {
			t.Fatalf("trace %d: partial %v, %d nodes", i, sum.IsPartial, len(sum.Graph.Nodes))
		}
		if hasX {
			userX++
		}
		if hasFault {
			authFault++
		}
		if i == 0 {
			t.Logf("%d terms: %q", len(terms), terms)
		}
	}
	t.Logf("%d traces: %d with user x, %d with an auth fault, %d bytes per trace", n, userX, authFault, bytes/n)
	if userX < n/userXOneIn/2 || userX > 2*n/userXOneIn || authFault < n/authFaultOneIn/2 || authFault > 2*n/authFaultOneIn {
		t.Errorf("rates off: %d user x, %d auth faults in %d traces", userX, authFault, n)
	}
}

// TestDataset builds the dataset when it is missing, so that it can be
// built ahead of the benchmark:
//
//	go test -tags bench1m -run Dataset -v -timeout 2h ./internal/store/local/bench1m
func TestDataset(t *testing.T) {
	dir := datasetDir(t)
	t.Logf("dataset ready in %s", dir)
}
