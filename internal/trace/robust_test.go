package trace

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// TestRandomTraces assembles random, often nonsensical traces (parent
// cycles, self-parents, repeated IDs, missing parents): assembly must
// finish, and every entity must come back in exactly one place.
func TestRandomTraces(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	rcTotal := 0 // root causes found, to prove the flags reach them
	for round := range 300 {
		n := 1 + rng.IntN(12)
		id := func() string { return fmt.Sprintf("%016x", 1+rng.IntN(2*n)) } // collisions on purpose
		var texts []string
		for range n {
			start := 100 + rng.Float64()
			end := fmt.Sprintf(`"end_time":%v`, start+rng.Float64())
			if rng.IntN(5) == 0 {
				end = `"in_progress":true`
			}
			fields := fmt.Sprintf(`"id":"%s","name":"n%d","start_time":%v,%s`, id(), rng.IntN(3), start, end)
			switch rng.IntN(4) {
			case 0:
				fields += `,"namespace":"remote"`
			case 1:
				fields += fmt.Sprintf(`,"subsegments":[{"id":"%s","name":"e","namespace":"aws","start_time":%v,"end_time":%v}]`, id(), start, start)
			}
			switch rng.IntN(4) { // flags and causes, for root causes
			case 0:
				fields += `,"fault":true,"cause":{"exceptions":[{"id":"` + id() + `","type":"E","cause":"` + id() + `"},{"cause":"` + id() + `"}]}`
			case 1:
				fields += `,"error":true,"cause":"` + id() + `"`
			}
			switch rng.IntN(3) {
			case 0: // a root segment
			case 1:
				fields = fmt.Sprintf(`"parent_id":"%s",`, id()) + fields
			case 2:
				fields = fmt.Sprintf(`"type":"subsegment","parent_id":"%s",`, id()) + fields
			}
			texts = append(texts, doc(fields))
		}
		docs := parseDocs(t, texts...)
		tr := Assemble(testTraceID, docs)
		s := tr.Summary()
		if s.SegmentCount != len(tr.Docs) {
			t.Fatalf("round %d: SegmentCount %d, kept documents %d", round, s.SegmentCount, len(tr.Docs))
		}
		for _, rcs := range [][]RootCause{s.FaultRootCauses, s.ErrorRootCauses, s.ResponseTimeRootCauses} {
			for _, rc := range rcs {
				if len(rc.Services) == 0 || slices.ContainsFunc(rc.Services, func(s RootCauseService) bool { return len(s.EntityPath) == 0 }) {
					t.Fatalf("round %d: root cause with an empty service or path: %+v\n%v", round, rc, texts)
				}
			}
		}
		rcTotal += len(s.FaultRootCauses) + len(s.ErrorRootCauses)
		// Every live entity is in the index; every one must be output once.
		seen := map[string]int{}
		var walk func(m map[string]any)
		walk = func(m map[string]any) {
			seen[m["id"].(string)]++
			subs, _ := m["subsegments"].([]any)
			for _, c := range subs {
				walk(c.(map[string]any))
			}
		}
		for _, o := range tr.Segments() {
			if m := docJSON(t, o.Document); m["inferred"] != true {
				walk(m)
			}
		}
		for id := range tr.index {
			if seen[id] != 1 {
				t.Fatalf("round %d: entity %s output %d times\n%v", round, id, seen[id], texts)
			}
		}
		if len(seen) != len(tr.index) {
			t.Fatalf("round %d: %d IDs output, %d entities live\n%v", round, len(seen), len(tr.index), texts)
		}
	}
	if rcTotal == 0 {
		t.Error("no random trace had a root cause")
	}
}

// TestConcurrentReads: an assembled Trace is read-only, so summaries and
// documents may be computed from several goroutines at once.
func TestConcurrentReads(t *testing.T) {
	tr := Assemble(testTraceID, realisticTrace(t))
	want := mustJSON(tr.Summary())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				if got := mustJSON(tr.Summary()); got != want {
					t.Error("summary differs between concurrent reads")
					return
				}
				tr.Segments()
			}
		})
	}
	wg.Wait()
}

func TestEmptyTrace(t *testing.T) {
	tr := Assemble(testTraceID, nil)
	if s := tr.Summary(); s.SegmentCount != 0 || s.EntryPoint != nil || len(s.Graph.Nodes) != 0 {
		t.Errorf("summary of nothing: %+v", s)
	}
	if segs := tr.Segments(); len(segs) != 0 || tr.Duration() != 0 {
		t.Errorf("documents of nothing: %v", segs)
	}
}
