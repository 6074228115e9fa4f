package storetest

import (
	"bytes"
	"embed"
	"slices"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/realclients"
	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/segment"
)

//go:embed testdata
var testdata embed.FS

// fixture reads testdata/<name>: one segment document (or array of
// subsegments) per line, each line one write. Each document keeps its line
// as Raw, as segment.Parse does.
func fixture(t testing.TB, name string) [][]*segment.Document {
	t.Helper()
	b, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("cannot read fixture: %v", err)
	}
	var writes [][]*segment.Document
	for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		docs, err := segment.Parse(line)
		if err != nil {
			t.Fatalf("%s:%d: fixture document is invalid: %v", name, i+1, err)
		}
		writes = append(writes, docs)
	}
	return writes
}

// flat joins the writes of a fixture.
func flat(writes [][]*segment.Document) []*segment.Document {
	var all []*segment.Document
	for _, w := range writes {
		all = append(all, w...)
	}
	return all
}

// realClientFixtures returns the documents of each real-client capture, by
// file name.
func realClientFixtures(t testing.TB) map[string][]*segment.Document {
	t.Helper()
	out := make(map[string][]*segment.Document)
	for _, name := range realclients.Files() {
		for i, datagram := range realclients.Datagrams(t, name) {
			doc, err := segment.SplitDatagram(datagram)
			if err != nil {
				t.Fatalf("%s:%d: %v", name, i+1, err)
			}
			docs, err := segment.Parse(doc)
			if err != nil {
				t.Fatalf("%s:%d: %v", name, i+1, err)
			}
			out[name] = append(out[name], docs...)
		}
	}
	return out
}

// expected is what the documents of one trace say its summary's times are.
type expected struct {
	id                string
	epoch, start, end float64
	docs              int
}

// expectTraces derives each trace's times from its documents: start is the
// earliest start_time, end the latest end_time (the start while nothing
// ended), counting embedded subsegments too. A later document with the same
// ID replaces the earlier one.
func expectTraces(t testing.TB, docs []*segment.Document) map[string]*expected {
	t.Helper()
	latest := make(map[[2]string]*segment.Document)
	var order [][2]string
	for _, d := range docs {
		k := [2]string{d.TraceID, d.ID}
		if _, ok := latest[k]; !ok {
			order = append(order, k)
		}
		latest[k] = d
	}
	out := make(map[string]*expected)
	ended := make(map[string]bool)
	for _, k := range order {
		d := latest[k]
		e := out[d.TraceID]
		if e == nil {
			tid, err := segment.ParseTraceID(d.TraceID)
			if err != nil {
				t.Fatalf("fixture trace ID: %v", err)
			}
			e = &expected{id: d.TraceID, epoch: float64(tid.Epoch()), start: d.StartTime}
			out[d.TraceID] = e
		}
		e.docs++
		var walk func(*segment.Document)
		walk = func(d *segment.Document) {
			e.start = min(e.start, d.StartTime)
			if !d.InProgress && d.EndTime > 0 {
				if !ended[e.id] || d.EndTime > e.end {
					e.end = d.EndTime
				}
				ended[e.id] = true
			}
			for _, s := range d.Subsegments {
				walk(s)
			}
		}
		walk(d)
	}
	for id, e := range out {
		if !ended[id] {
			e.end = e.start
		}
	}
	return out
}

// timeFor is the time a query of range type rt orders a trace by.
func (e *expected) timeFor(rt store.RangeType) float64 {
	switch rt {
	case store.ByTraceID:
		tid, _ := segment.ParseTraceID(e.id)
		return tid.IndexTime(e.start)
	case store.ByEndTime:
		return e.end
	}
	return e.start
}

// matches reports whether the trace belongs in the window [start, end) of a
// query of range type rt.
func (e *expected) matches(rt store.RangeType, start, end float64) bool {
	if rt == store.Overlapping {
		return e.start < end && e.end >= start
	}
	t := e.timeFor(rt)
	return t >= start && t < end
}

// expectFind lists the positions FindTraces must return, in order.
func expectFind(traces map[string]*expected, q store.TraceQuery) []store.Position {
	var out []store.Position
	for _, e := range traces {
		if e.matches(q.RangeType, q.Start, q.End) {
			out = append(out, store.Position{Time: e.timeFor(q.RangeType), TraceID: e.id})
		}
	}
	slices.SortFunc(out, func(a, b store.Position) int {
		if a.Time != b.Time {
			if a.Time > b.Time {
				return -1
			}
			return 1
		}
		return -strings.Compare(a.TraceID, b.TraceID)
	})
	return out
}
