package storetest

import (
	"slices"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// t0 is the base time of testdata/window.jsonl.
const t0 = 1700000000.0

var rangeTypes = []store.RangeType{store.ByTraceID, store.ByStartTime, store.ByEndTime, store.Overlapping}

// window is testdata/window.jsonl: traces whose trace-ID epoch, start and end
// orders all differ, with ties, an OTel-style random epoch, a trace two hours
// long, one in another day and one still in progress. Traces are named after
// their first segment.
type window struct {
	t      testing.TB
	docs   []*segment.Document
	byName map[string]string // trace name → trace ID
	name   map[string]string // trace ID → trace name
	traces map[string]*expected
}

func newWindow(t testing.TB) *window {
	return newWindowOf(t, flat(fixture(t, "window.jsonl")))
}

// newWindowOf names the traces of any fixture after their first segment.
func newWindowOf(t testing.TB, docs []*segment.Document) *window {
	w := &window{t: t, docs: docs, byName: make(map[string]string), name: make(map[string]string)}
	for _, d := range w.docs {
		if _, ok := w.name[d.TraceID]; !ok {
			w.name[d.TraceID] = d.Name
			w.byName[d.Name] = d.TraceID
		}
	}
	w.traces = expectTraces(t, w.docs)
	return w
}

func (w *window) id(name string) string {
	w.t.Helper()
	id, ok := w.byName[name]
	if !ok {
		w.t.Fatalf("window.jsonl has no trace named %s", name)
	}
	return id
}

func (w *window) ids() []string {
	var ids []string
	for id := range w.traces {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (w *window) names(ids []string) []string {
	var out []string
	for _, id := range ids {
		name, ok := w.name[id]
		if !ok {
			name = id
		}
		out = append(out, name)
	}
	return out
}

func positions(fs []found) []store.Position {
	out := make([]store.Position, len(fs))
	for i, f := range fs {
		out[i] = f.pos
	}
	return out
}

func traceIDs(ps []store.Position) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.TraceID
	}
	return out
}

// Every range type lists every trace once, newest first with ties broken by
// trace ID descending, each result carrying its trace's summary and the time
// it was ordered by.
func testFindTracesOrder(h *harness) {
	t := h.t
	w := newWindow(t)
	h.write(w.docs...)
	h.sync()
	for _, rt := range rangeTypes {
		q := store.TraceQuery{Start: 0, End: 1e10, RangeType: rt}
		got := h.find(q, 0)
		want := expectFind(w.traces, q)
		if !slices.Equal(positions(got), want) {
			t.Errorf("range type %d: got %v, want %v", rt, positions(got), want)
			continue
		}
		for _, f := range got {
			e := w.traces[f.pos.TraceID]
			if f.sum.ID != f.pos.TraceID || f.sum.StartTime != e.start || f.sum.EndTime != e.end {
				t.Errorf("range type %d: summary of %s has ID %s, start %v, end %v; want start %v, end %v",
					rt, f.pos.TraceID, f.sum.ID, f.sum.StartTime, f.sum.EndTime, e.start, e.end)
			}
		}
	}
}

// Windows include their start and exclude their end, on every range type.
func testFindTracesWindows(h *harness) {
	t := h.t
	w := newWindow(t)
	h.write(w.docs...)
	h.sync()
	cases := []struct {
		name       string
		rt         store.RangeType
		start, end float64
		want       []string // trace names, in order
	}{
		{"trace ID epoch equal to start is in", store.ByTraceID, t0 + 300, t0 + 301, []string{"svc-d", "svc-c"}},
		{"trace ID epoch equal to end is out", store.ByTraceID, t0 + 200, t0 + 300, []string{"svc-i", "svc-b"}},
		{"random trace ID is found at its start", store.ByTraceID, t0 + 500, t0 + 501, []string{"svc-e"}},
		{"random trace ID epoch is not a time", store.ByTraceID, 0x12345678, 0x12345679, nil},
		{"start ties by trace ID descending", store.ByStartTime, t0 + 300, t0 + 400, []string{"svc-d", "svc-c"}},
		{"start window", store.ByStartTime, t0 + 150, t0 + 300, []string{"svc-i", "svc-b"}},
		{"start in another day", store.ByStartTime, t0 + 86400, t0 + 3*86400, []string{"svc-h"}},
		{"end ties by trace ID descending", store.ByEndTime, t0 + 300.25, t0 + 350, []string{"svc-c", "svc-i"}},
		{"end of a trace in progress is its start", store.ByEndTime, t0 + 700, t0 + 700.5, []string{"svc-j"}},
		{"end from a downstream segment", store.ByEndTime, t0 + 401.9, t0 + 402.1, []string{"front"}},
		{"overlapping a trace that started long before", store.Overlapping, t0 + 550, t0 + 560, []string{"batch-job"}},
		{"overlapping ordered by start", store.Overlapping, t0 + 300.25, t0 + 300.5, []string{"svc-d", "svc-c", "svc-i", "svc-b", "batch-job"}},
		{"overlapping a trace in progress", store.Overlapping, t0 + 700, t0 + 701, []string{"svc-j"}},
		{"empty window", store.ByStartTime, t0 + 300, t0 + 300, nil},
		{"reversed window", store.ByStartTime, t0 + 400, t0 + 300, nil},
		{"nothing there", store.ByEndTime, t0 + 1e6, t0 + 2e6, nil},
	}
	for _, tc := range cases {
		q := store.TraceQuery{Start: tc.start, End: tc.end, RangeType: tc.rt}
		if derived := w.names(traceIDs(expectFind(w.traces, q))); !slices.Equal(derived, tc.want) {
			t.Fatalf("%s: the case says %v but the fixture says %v", tc.name, tc.want, derived)
		}
		if got := w.names(traceIDs(positions(h.find(q, 0)))); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Pages resumed from the last Position of the previous page add up to the
// whole result; a Position between entries resumes right after it; returning
// false stops the scan.
func testFindTracesPagination(h *harness) {
	t := h.t
	w := newWindow(t)
	h.write(w.docs...)
	h.sync()
	for _, rt := range rangeTypes {
		for _, size := range []int{1, 3, 100} {
			q := store.TraceQuery{Start: 0, End: 1e10, RangeType: rt}
			all := positions(h.find(q, 0))
			var paged []store.Position
			for pages := 0; ; pages++ {
				if pages > len(all)+1 {
					t.Fatalf("range type %d, pages of %d: pagination does not end", rt, size)
				}
				page := h.find(q, size)
				if len(page) > size {
					t.Fatalf("range type %d: asked to stop after %d results, got %d", rt, size, len(page))
				}
				if len(page) == 0 {
					break
				}
				paged = append(paged, positions(page)...)
				last := page[len(page)-1].pos
				q.After = &last
			}
			if !slices.Equal(paged, all) {
				t.Errorf("range type %d, pages of %d: got %v, want %v", rt, size, paged, all)
			}
		}
	}
	cases := []struct {
		name  string
		after store.Position
		want  []string
	}{
		{"between two times", store.Position{Time: t0 + 300.1, TraceID: "1-ffffffff-ffffffffffffffffffffffff"},
			[]string{"svc-d", "svc-c", "svc-i", "svc-b", "svc-a", "batch-job"}},
		{"within a tie", store.Position{Time: t0 + 300, TraceID: w.id("svc-d")},
			[]string{"svc-c", "svc-i", "svc-b", "svc-a", "batch-job"}},
		{"after the last", store.Position{Time: t0 - 7200, TraceID: w.id("batch-job")}, nil},
	}
	for _, tc := range cases {
		q := store.TraceQuery{Start: t0 - 1e5, End: t0 + 650, RangeType: store.ByStartTime, After: &tc.after}
		got := w.names(traceIDs(positions(h.find(q, 0))))
		if !slices.Equal(got, tc.want) {
			t.Errorf("after %s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	bad := store.TraceQuery{End: 1e10, After: &store.Position{TraceID: "garbage"}}
	if err := h.s.FindTraces(h.ctx(), bad, func(*trace.Summary, store.Position) bool { return true }); err == nil {
		t.Error("FindTraces after a malformed trace ID: got no error")
	}
}

// A trace whose ID epoch is random (a W3C trace ID from OpenTelemetry) is
// found by trace ID at its start, and moves when a document that started
// earlier arrives later.
func testRandomTraceIDFollowsStart(h *harness) {
	t := h.t
	const id = "1-12345678-0000000000000000000000ab"
	parse := func(raw string) *segment.Document {
		docs, err := segment.Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		return docs[0]
	}
	found := func(start float64) bool {
		for _, f := range h.find(store.TraceQuery{Start: start, End: start + 1, RangeType: store.ByTraceID}, 0) {
			if f.pos.TraceID == id {
				if f.pos.Time != start {
					t.Errorf("position time %v, want %v", f.pos.Time, start)
				}
				return true
			}
		}
		return false
	}
	h.write(parse(`{"trace_id":"` + id + `","id":"ab00000000000002","parent_id":"ab00000000000001","name":"late","start_time":1700001000,"end_time":1700001001}`))
	h.sync()
	if !found(t0 + 1000) {
		t.Fatalf("trace not found by trace ID at its start %v", t0+1000)
	}
	h.write(parse(`{"trace_id":"` + id + `","id":"ab00000000000001","name":"early","start_time":1700000900,"end_time":1700001002}`))
	h.sync()
	if !found(t0 + 900) {
		t.Errorf("trace not found by trace ID at its new start %v", t0+900)
	}
	if found(t0 + 1000) {
		t.Errorf("trace still found by trace ID at its old start %v", t0+1000)
	}
}
