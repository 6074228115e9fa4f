package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// Every document an SDK sent comes back byte for byte, decoded as it was
// written, and every trace gets a summary counting its documents.
func testRealClientsKeepRaw(h *harness) {
	t := h.t
	var all []*segment.Document
	for name, docs := range realClientFixtures(t) {
		if name == "go-aws-xray-sdk-go-1.8.5.jsonl" {
			h.write(docs...) // one batch holding many traces
		} else {
			for _, d := range docs {
				h.write(d) // one datagram at a time, as the daemon sees them
			}
		}
		all = append(all, docs...)
	}
	want := latestDocs(all)
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	got := h.get(ids...)
	if len(got) != len(ids) {
		t.Fatalf("GetTraces returned %d traces, want %d", len(got), len(ids))
	}
	for i, td := range got {
		if td.ID != ids[i] {
			t.Errorf("trace %d: got ID %s, want %s", i, td.ID, ids[i])
			continue
		}
		sameRaw(t, td.ID, td.Documents, want[td.ID])
		byRaw := make(map[string]*segment.Document)
		for _, d := range want[td.ID] {
			byRaw[string(d.Raw)] = d
		}
		for _, d := range td.Documents {
			w := byRaw[string(d.Raw)]
			if w == nil {
				continue
			}
			if d.TraceID != w.TraceID || d.ID != w.ID || d.ParentID != w.ParentID || d.Name != w.Name ||
				d.StartTime != w.StartTime || d.EndTime != w.EndTime || d.InProgress != w.InProgress || d.Type != w.Type {
				t.Errorf("document %s of %s decoded as %+v, want %+v", d.ID, td.ID, *d, *w)
			}
		}
	}
	h.sync()
	for _, id := range ids {
		s := h.summary(id)
		switch {
		case s == nil:
			t.Errorf("trace %s has no summary after Sync", id)
		case s.ID != id || s.Revision < 1 || s.SegmentCount != len(want[id]):
			t.Errorf("summary of %s: ID %s, revision %d, %d documents; want ID %s, revision ≥ 1, %d documents",
				id, s.ID, s.Revision, s.SegmentCount, id, len(want[id]))
		}
	}
}

// A trace written in pieces (an independent subsegment before its parent, the
// parent in progress then complete under the same ID, an array of
// subsegments) reads back as its latest documents after every piece, and its
// summary follows with a higher Revision each time it changes.
func testPiecesOutOfOrder(h *harness) {
	t := h.t
	writes := fixture(t, "pieces.jsonl")
	var sent []*segment.Document
	var lastRev int64
	for i, w := range writes {
		h.write(w...)
		sent = append(sent, w...)
		want := latestDocs(sent)
		id := w[0].TraceID
		got := h.get(id)
		if len(got) != 1 {
			t.Fatalf("after write %d: GetTraces returned %d traces, want 1", i+1, len(got))
		}
		sameRaw(t, fmt.Sprintf("after write %d", i+1), got[0].Documents, want[id])

		h.sync()
		exp := expectTraces(t, sent)[id]
		s := h.summary(id)
		if s == nil {
			t.Fatalf("after write %d: no summary", i+1)
		}
		if s.StartTime != exp.start || s.EndTime != exp.end || s.SegmentCount != exp.docs {
			t.Errorf("after write %d: summary start %v end %v with %d documents; want %v, %v, %d",
				i+1, s.StartTime, s.EndTime, s.SegmentCount, exp.start, exp.end, exp.docs)
		}
		if s.Revision <= lastRev {
			t.Errorf("after write %d: revision %d, want more than %d", i+1, s.Revision, lastRev)
		}
		lastRev = s.Revision
	}
}

// A segment arriving after its trace was summarized recomputes the summary
// with a higher Revision and moves its index entries; traces it does not
// touch keep their revision.
func testLateDataBumpsRevision(h *harness) {
	t := h.t
	w := newWindow(t)
	h.write(w.docs...)
	h.sync()
	a, b := h.summary(w.id("svc-a")), h.summary(w.id("svc-b"))
	if a == nil || b == nil {
		t.Fatal("no summary for svc-a or svc-b after Sync")
	}

	late := flat(fixture(t, "late.jsonl"))
	h.write(late...)
	h.sync()
	exp := expectTraces(t, append(slices.Clone(w.docs), late...))[w.id("svc-a")]
	a2, b2 := h.summary(w.id("svc-a")), h.summary(w.id("svc-b"))
	if a2 == nil || b2 == nil {
		t.Fatal("summary lost after late data")
	}
	if a2.Revision <= a.Revision {
		t.Errorf("late data: revision %d, want more than %d", a2.Revision, a.Revision)
	}
	if a2.EndTime != exp.end || a2.SegmentCount != exp.docs {
		t.Errorf("late data: end %v with %d documents, want %v, %d", a2.EndTime, a2.SegmentCount, exp.end, exp.docs)
	}
	if b2.Revision != b.Revision {
		t.Errorf("untouched trace svc-b: revision went from %d to %d", b.Revision, b2.Revision)
	}
	ids := func(q store.TraceQuery) []string {
		var out []string
		for _, f := range h.find(q, 0) {
			out = append(out, f.pos.TraceID)
		}
		return out
	}
	oldEnd := store.TraceQuery{Start: a.EndTime, End: a.EndTime + 0.001, RangeType: store.ByEndTime}
	if got := ids(oldEnd); slices.Contains(got, w.id("svc-a")) {
		t.Errorf("trace still found at its old end time %v", a.EndTime)
	}
	newEnd := store.TraceQuery{Start: exp.end, End: exp.end + 0.001, RangeType: store.ByEndTime}
	if got := ids(newEnd); !slices.Equal(got, []string{w.id("svc-a")}) {
		t.Errorf("at the new end time found %v, want only %s", got, w.id("svc-a"))
	}
}

// GetTraces answers in the order asked and leaves out what it does not have.
func testGetTracesOrderAndUnknown(h *harness) {
	t := h.t
	w := newWindow(t)
	h.write(w.docs...)
	g, a, c := w.id("front"), w.id("svc-a"), w.id("svc-c")
	got := h.get(g, "1-00000001-000000000000000000000000", a, "not-a-trace-id", "", c)
	var gotIDs []string
	for _, td := range got {
		gotIDs = append(gotIDs, td.ID)
	}
	if want := []string{g, a, c}; !slices.Equal(gotIDs, want) {
		t.Fatalf("GetTraces returned %v, want %v", gotIDs, want)
	}
	if n := len(got[0].Documents); n != 3 {
		t.Errorf("trace of front has %d documents, want 3", n)
	}
	if got := h.get(); len(got) != 0 {
		t.Errorf("GetTraces() returned %d traces, want none", len(got))
	}
}

// Close and reopen: documents, summaries (revisions included) and traces
// written but not yet summarized all survive.
func testReopenKeepsEverything(h *harness) {
	t := h.t
	w := newWindow(t)
	pieces := flat(fixture(t, "pieces.jsonl"))
	h.write(w.docs...)
	h.write(pieces...)
	h.sync()
	ids := append(w.ids(), pieces[0].TraceID)
	before := h.get(ids...)
	full := store.TraceQuery{Start: 0, End: 1e10}
	var sums []found
	for _, rt := range rangeTypes {
		full.RangeType = rt
		sums = append(sums, h.find(full, 0)...)
	}

	h.reopen()
	after := h.get(ids...)
	if len(after) != len(before) {
		t.Fatalf("after reopen: %d traces, want %d", len(after), len(before))
	}
	for i := range before {
		sameRaw(t, "after reopen "+before[i].ID, after[i].Documents, before[i].Documents)
	}
	var again []found
	for _, rt := range rangeTypes {
		full.RangeType = rt
		again = append(again, h.find(full, 0)...)
	}
	if len(again) != len(sums) {
		t.Fatalf("after reopen FindTraces found %d, want %d", len(again), len(sums))
	}
	for i := range sums {
		// UpdatedAt is left out: an engine that summarizes when it reads
		// may stamp it then; the revision must not change.
		a, b := *sums[i].sum, *again[i].sum
		a.UpdatedAt, b.UpdatedAt = 0, 0
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		if sums[i].pos != again[i].pos || string(x) != string(y) {
			t.Errorf("after reopen result %d is %v %s, want %v %s", i, again[i].pos, y, sums[i].pos, x)
		}
	}

	// Written, never synced, closed at once: summarized after the reopen.
	late := flat(fixture(t, "late.jsonl"))
	h.write(late...)
	h.reopen()
	h.sync()
	exp := expectTraces(t, append(slices.Clone(w.docs), late...))[w.id("svc-a")]
	if s := h.summary(w.id("svc-a")); s == nil || s.EndTime != exp.end || s.SegmentCount != exp.docs {
		t.Errorf("late data written before Close: summary %+v, want end %v with %d documents", s, exp.end, exp.docs)
	}
}

// Writers running at once lose nothing, including pieces of one trace
// written by different writers.
func testConcurrentWriters(h *harness) {
	t := h.t
	const writers, batches, perBatch = 4, 25, 8
	shared := "1-6553f100-5a5a5a5a5a5a5a5a5a5a5a5a"
	doc := func(traceID, id, parent string, start float64) *segment.Document {
		raw := fmt.Sprintf(`{"trace_id":%q,"id":%q,"name":"svc","start_time":%.3f,"end_time":%.3f`, traceID, id, start, start+0.5)
		if parent != "" {
			raw += fmt.Sprintf(`,"parent_id":%q`, parent)
		}
		docs, err := segment.Parse([]byte(raw + "}"))
		if err != nil {
			panic(err) // the generator is wrong
		}
		return docs[0]
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var docs []*segment.Document
				for i := range perBatch - 1 {
					tid := fmt.Sprintf("1-6553f1%02x-%024x", w, b*perBatch+i)
					docs = append(docs, doc(tid, fmt.Sprintf("%016x", 1), "", 1700000000+float64(b)))
				}
				docs = append(docs, doc(shared, fmt.Sprintf("%08x%08x", w+1, b+1), "00000000000000aa", 1700000000.25))
				if err := h.s.WriteSegments(h.ctx(), docs); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("WriteSegments: %v", err)
	}
	h.sync()
	var ids []string
	for w := range writers {
		for b := range batches {
			for i := range perBatch - 1 {
				ids = append(ids, fmt.Sprintf("1-6553f1%02x-%024x", w, b*perBatch+i))
			}
		}
	}
	if got := h.get(ids...); len(got) != len(ids) {
		t.Errorf("GetTraces found %d of %d traces", len(got), len(ids))
	}
	if got := h.get(shared); len(got) != 1 || len(got[0].Documents) != writers*batches {
		t.Errorf("shared trace: got %d traces, want 1 with %d documents", len(got), writers*batches)
	}
	if s := h.summary(shared); s == nil || s.SegmentCount != writers*batches {
		t.Errorf("shared trace summary %+v, want %d documents", s, writers*batches)
	}
}

// After Close every call fails with store.ErrClosed.
func testClosedStore(h *harness) {
	t := h.t
	w := newWindow(t)
	h.write(w.docs...)
	if err := h.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s := h.s
	h.s = nil
	ctx := h.ctx()
	checkClosed(t, "WriteSegments", s.WriteSegments(ctx, w.docs))
	_, err := s.GetTraces(ctx, w.ids())
	checkClosed(t, "GetTraces", err)
	checkClosed(t, "FindTraces", s.FindTraces(ctx, store.TraceQuery{End: 1e10}, func(*trace.Summary, store.Position) bool { return true }))
	checkClosed(t, "Sync", s.Sync(ctx))
	_ = s.Stats() // must not panic
}

// UDP may deliver a segment's in-progress version after its final one; the
// final one must stay, whether both come in one write or in two.
func testInProgressNeverReplacesComplete(h *harness) {
	t := h.t
	parse := func(doc string) *segment.Document {
		t.Helper()
		docs, err := segment.Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return docs[0]
	}
	const (
		tid        = "1-5f5e1000-00000000000000000000ab01"
		complete   = `{"trace_id":"` + tid + `","id":"00000000000000a1","name":"svc","start_time":1600000000,"end_time":1600000001}`
		inProgress = `{"trace_id":"` + tid + `","id":"00000000000000a1","name":"svc","start_time":1600000000,"in_progress":true}`
		tid2       = "1-5f5e1000-00000000000000000000ab02"
		complete2  = `{"trace_id":"` + tid2 + `","id":"00000000000000a2","name":"svc","start_time":1600000000,"end_time":1600000002}`
		progress2  = `{"trace_id":"` + tid2 + `","id":"00000000000000a2","name":"svc","start_time":1600000000,"in_progress":true}`
	)
	h.write(parse(complete))
	h.write(parse(inProgress))
	h.write(parse(complete2), parse(progress2))
	for _, id := range []string{tid, tid2} {
		got := h.get(id)
		if len(got) != 1 || len(got[0].Documents) != 1 || got[0].Documents[0].InProgress {
			t.Fatalf("trace %s: the in-progress version replaced the complete one: %+v", id, got)
		}
	}
	// The other way round the later, complete version wins as usual.
	const tid3 = "1-5f5e1000-00000000000000000000ab03"
	h.write(parse(strings.ReplaceAll(inProgress, tid, tid3)))
	h.write(parse(strings.ReplaceAll(complete, tid, tid3)))
	if got := h.get(tid3); len(got) != 1 || got[0].Documents[0].InProgress {
		t.Fatalf("trace %s: the complete version did not replace the in-progress one", tid3)
	}
	h.sync()
	if s := h.summary(tid); s == nil || s.IsPartial || s.Duration != 1 {
		t.Errorf("summary of %s = %+v, want a complete 1 s trace", tid, s)
	}
}
