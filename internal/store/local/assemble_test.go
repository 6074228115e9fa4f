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
		{"in progress after completed", [][]*segment.Document{docs[1:], {root}, {inProgress}}, docs[4].EndTime},
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
