// Package storetest is the conformance suite every storage engine runs: the
// behaviour store.Store promises, checked against real documents (fixtures in
// testdata/ and the datagrams captured from real SDKs). An engine's test
// calls Run with a function that opens the engine on a directory.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// Opener opens an engine whose data lives in dir; opening the same dir again
// after Close must find the same data. The engine must keep data of any age
// (the fixtures date from 2016 to 2026), so retention must not drop it.
type Opener func(t *testing.T, dir string) store.Store

// Run runs the conformance suite. Each test gets a fresh directory.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*harness)
	}{
		{"RealClientsKeepRaw", testRealClientsKeepRaw},
		{"PiecesOutOfOrder", testPiecesOutOfOrder},
		{"InProgressNeverReplacesComplete", testInProgressNeverReplacesComplete},
		{"LateDataBumpsRevision", testLateDataBumpsRevision},
		{"GetTracesOrderAndUnknown", testGetTracesOrderAndUnknown},
		{"FindTracesOrder", testFindTracesOrder},
		{"FindTracesWindows", testFindTracesWindows},
		{"FindTracesPagination", testFindTracesPagination},
		{"RandomTraceIDFollowsStart", testRandomTraceIDFollowsStart},
		{"FindTracesFilter", testFindTracesFilter},
		{"FindTracesFilterPagination", testFindTracesFilterPagination},
		{"FilterLateData", testFilterLateData},
		{"ReopenKeepsEverything", testReopenKeepsEverything},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ClosedStore", testClosedStore},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &harness{t: t, open: open, dir: t.TempDir()}
			h.s = open(t, h.dir)
			t.Cleanup(func() {
				if h.s != nil {
					_ = h.s.Close()
				}
			})
			tc.fn(h)
		})
	}
}

// harness wraps an engine with failing-on-error helpers.
type harness struct {
	t    *testing.T
	open Opener
	dir  string
	s    store.Store
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

func (h *harness) write(docs ...*segment.Document) {
	h.t.Helper()
	if err := h.s.WriteSegments(h.ctx(), docs); err != nil {
		h.t.Fatalf("WriteSegments: %v", err)
	}
}

func (h *harness) sync() {
	h.t.Helper()
	if err := h.s.Sync(h.ctx()); err != nil {
		h.t.Fatalf("Sync: %v", err)
	}
}

func (h *harness) reopen() {
	h.t.Helper()
	if err := h.s.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
	h.s = nil
	h.s = h.open(h.t, h.dir)
}

func (h *harness) get(ids ...string) []store.TraceDocuments {
	h.t.Helper()
	got, err := h.s.GetTraces(h.ctx(), ids)
	if err != nil {
		h.t.Fatalf("GetTraces: %v", err)
	}
	return got
}

type found struct {
	sum *trace.Summary
	pos store.Position
}

// find returns up to limit results (all when limit ≤ 0).
func (h *harness) find(q store.TraceQuery, limit int) []found {
	h.t.Helper()
	var out []found
	err := h.s.FindTraces(h.ctx(), q, func(s *trace.Summary, p store.Position) bool {
		out = append(out, found{s, p})
		return limit <= 0 || len(out) < limit
	})
	if err != nil {
		h.t.Fatalf("FindTraces(%+v): %v", q, err)
	}
	return out
}

// summary finds one trace's summary through FindTraces by its trace ID
// epoch (over all time when the epoch is random), or returns nil.
func (h *harness) summary(id string) *trace.Summary {
	h.t.Helper()
	tid, err := segment.ParseTraceID(id)
	if err != nil {
		h.t.Fatal(err)
	}
	e := float64(tid.Epoch())
	for _, q := range []store.TraceQuery{{Start: e, End: e + 1}, {Start: 0, End: 1 << 33}} {
		for _, f := range h.find(q, 0) {
			if f.pos.TraceID == id {
				return f.sum
			}
		}
	}
	return nil
}

// rawSet is the multiset of Raw documents, for order-free comparison.
func rawSet(docs []*segment.Document) map[string]int {
	m := make(map[string]int)
	for _, d := range docs {
		m[string(d.Raw)]++
	}
	return m
}

func sameRaw(t *testing.T, what string, got, want []*segment.Document) {
	t.Helper()
	g, w := rawSet(got), rawSet(want)
	if len(got) != len(want) {
		t.Errorf("%s: got %d documents, want %d", what, len(got), len(want))
	}
	for raw, n := range w {
		if g[raw] != n {
			t.Errorf("%s: document %.120s… stored %d times, want %d", what, raw, g[raw], n)
		}
	}
	for raw := range g {
		if w[raw] == 0 {
			t.Errorf("%s: unexpected document %.120s…", what, raw)
		}
	}
}

// latestDocs keeps, per (trace ID, ID), the last document: what an engine
// must return after replacements.
func latestDocs(docs []*segment.Document) map[string][]*segment.Document {
	type key struct{ trace, id string }
	last := make(map[key]*segment.Document)
	var order []key
	for _, d := range docs {
		k := key{d.TraceID, d.ID}
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		last[k] = d
	}
	out := make(map[string][]*segment.Document)
	for _, k := range order {
		out[k.trace] = append(out[k.trace], last[k])
	}
	return out
}

func checkClosed(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrClosed) {
		t.Errorf("%s after Close: got %v, want store.ErrClosed", op, err)
	}
}
