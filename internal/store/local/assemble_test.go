package local

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// A new trace is summarized from the documents its writers handed over; a
// trace read back from disk must get exactly the same summary, replacements
// of a document by a later one included.
func TestHeldAndStoredAssemblyAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	docs := genTrace(t, rng, 1795300000, 1795300000.5, 5)
	root := docs[0]
	inProgress := mustParse(t, fmt.Sprintf(`{"trace_id":%q,"id":%q,"name":"checkout-api","start_time":%f,"in_progress":true}`,
		root.TraceID, root.ID, root.StartTime))[0]
	cases := []struct {
		name   string
		writes [][]*segment.Document
		end    float64 // the summary's end time
	}{
		{"completed after in progress", [][]*segment.Document{docs[1:], {inProgress}, {root}}, root.EndTime},
		{"in progress after completed", [][]*segment.Document{docs[1:], {root}, {inProgress}}, root.EndTime}, // the complete version stays
		{"both in one batch", [][]*segment.Document{docs[1:], {inProgress, root}}, root.EndTime},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			summarize := func(fromDisk bool) *trace.Summary {
				o := testOptions(t.TempDir())
				o.AssembleDelay = time.Hour
				s := openTest(t, o)
				defer s.Close()
				ctx := context.Background()
				for _, w := range tc.writes {
					if err := s.WriteSegments(ctx, w); err != nil {
						t.Fatal(err)
					}
				}
				tid, _ := segment.ParseTraceID(root.TraceID)
				s.asm.mu.Lock()
				q := s.asm.byTrace[tid]
				if q == nil || !q.inMemory {
					s.asm.mu.Unlock()
					t.Fatal("a new trace is not held in memory")
				}
				if fromDisk {
					s.asm.releaseLocked(q)
				}
				s.asm.mu.Unlock()
				if err := s.Sync(ctx); err != nil {
					t.Fatal(err)
				}
				p, _, _ := s.locate(tid)
				sum, err := getSummary(s.db, p, tid)
				if err != nil || sum == nil {
					t.Fatalf("no summary: %v", err)
				}
				if keys, _ := s.pendingKeys(p, tid); len(keys) != 0 {
					t.Errorf("%d pending keys left after Sync", len(keys))
				}
				return sum
			}
			held, stored := summarize(false), summarize(true)
			if !sameContent(held, stored) {
				t.Errorf("summary from held documents %+v differs from the one from disk %+v", held, stored)
			}
			if held.EndTime != tc.end || held.SegmentCount != 5 {
				t.Errorf("summary ends at %v with %d documents, want %v with 5", held.EndTime, held.SegmentCount, tc.end)
			}
		})
	}
}

// Writing the same documents again changes nothing a reader sees, so the
// revision stays.
func TestRewriteKeepsRevision(t *testing.T) {
	s := openTest(t, testOptions(t.TempDir()))
	defer s.Close()
	ctx := context.Background()
	docs := genTrace(t, rand.New(rand.NewPCG(4, 4)), 1795300000, 1795300000.5, 3)
	tid, _ := segment.ParseTraceID(docs[0].TraceID)
	for i := range 3 {
		if err := s.WriteSegments(ctx, docs); err != nil {
			t.Fatal(err)
		}
		if err := s.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		p, _, _ := s.locate(tid)
		sum, err := getSummary(s.db, p, tid)
		if err != nil || sum == nil || sum.Revision != 1 {
			t.Fatalf("write %d: summary %+v (%v), want revision 1", i+1, sum, err)
		}
	}
}

// Writers wait while MaxPending traces wait to be summarized, and go on as
// soon as the assembler catches up; a writer's context ends the wait.
func TestPendingBackpressure(t *testing.T) {
	o := testOptions(t.TempDir())
	o.AssembleDelay = time.Hour
	o.MaxPending = 2
	s := openTest(t, o)
	defer s.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(6, 6))
	for i := range 2 {
		if err := s.WriteSegments(ctx, genTrace(t, rng, 1795300000+uint32(i), 1795300000.5, 1)); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := s.WriteSegments(short, genTrace(t, rng, 1795300005, 1795300005.5, 1)); err == nil {
		t.Fatal("a write past MaxPending did not wait")
	}
	done := make(chan error, 1)
	go func() { done <- s.WriteSegments(ctx, genTrace(t, rng, 1795300006, 1795300006.5, 1)) }()
	select {
	case err := <-done:
		t.Fatalf("a write past MaxPending returned (%v) without waiting", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting write did not go on after the assembler caught up")
	}
	if n := s.Stats().PendingTraces; n != 1 {
		t.Errorf("%d traces pending, want 1 (the last write)", n)
	}
}

func TestStats(t *testing.T) {
	o := testOptions(t.TempDir())
	o.AssembleDelay = time.Hour
	s := openTest(t, o)
	defer s.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(8, 8))
	for i := range 3 {
		if err := s.WriteSegments(ctx, genTrace(t, rng, 1795300000+uint32(i), 1795300000.5, 4)); err != nil {
			t.Fatal(err)
		}
	}
	if st := s.Stats(); st.PendingTraces != 3 || st.Traces != 0 || st.DiskBytes <= 0 {
		t.Errorf("before Sync: %+v, want 3 pending, 0 summarized, some disk", st)
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.PendingTraces != 0 || st.Traces != 3 {
		t.Errorf("after Sync: %+v, want 0 pending, 3 summarized", st)
	}
}
