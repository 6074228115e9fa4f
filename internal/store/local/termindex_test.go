package local

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

const randomBase = 1700300000.0

// randomTraces writes n one-segment traces over ten minutes whose shapes
// stress the term index: ties on start time, traces lasting minutes,
// trace ID epochs minutes away from the start or random, two values of
// one annotation (a rare one, "x"), and, for some, a second version of the
// segment that moves the end time and changes the value (late data).
func randomTraces(t *testing.T, s *Store, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	var first, second []*segment.Document
	for i := range n {
		start := randomBase + float64(rng.IntN(600*4))/4 // quarter-second grid: ties
		dur := 0.1 + rng.Float64()*3
		if rng.IntN(10) == 0 {
			dur = 30 + rng.Float64()*300 // around and beyond postingSlack
		}
		epoch := uint32(start)
		switch rng.IntN(10) {
		case 0:
			epoch = uint32(start) + uint32(rng.IntN(400)) - 200 // a skewed clock
		case 1:
			epoch = 0x10000000 + uint32(rng.IntN(1<<20)) // an OTel-style random epoch
		}
		value := "x" // rare: 1 in 20
		if r := rng.IntN(20); r < 10 {
			value = "a"
		} else if r < 19 {
			value = "b"
		}
		doc := func(v string, end float64) *segment.Document {
			raw := fmt.Sprintf(`{"trace_id":"1-%08x-%024x","id":"%016x","name":"svc-%d","start_time":%.3f,"end_time":%.3f,"annotations":{"v":%q}}`,
				epoch, i, i+1, i%3, start, end, v)
			docs, err := segment.Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			return docs[0]
		}
		first = append(first, doc(value, start+dur))
		if rng.IntN(4) == 0 {
			late := []string{"a", "b", "b", "b", "x"}[rng.IntN(5)]
			second = append(second, doc(late, start+dur+rng.Float64()*120))
		}
	}
	for _, batch := range [][]*segment.Document{first, second} {
		if err := s.WriteSegments(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if err := s.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func valueIs(v string) *store.Filter {
	return &store.Filter{
		Terms: []string{trace.AnnotationTerm("v", v)},
		Match: func(s *trace.Summary) bool {
			return slices.ContainsFunc(s.Annotations["v"], func(a trace.AnnotationValue) bool { return a.String != nil && *a.String == v })
		},
	}
}

// findAll runs a query to the end in pages of size (all at once when 0).
func findAll(t *testing.T, s *Store, q store.TraceQuery, size int) []store.Position {
	t.Helper()
	var out []store.Position
	for {
		var page []store.Position
		err := s.FindTraces(context.Background(), q, func(_ *trace.Summary, p store.Position) bool {
			page = append(page, p)
			return size == 0 || len(page) < size
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if size == 0 || len(page) < size {
			return out
		}
		last := page[len(page)-1]
		q.After = &last
	}
}

// The term index returns exactly what a scan with the same Match returns,
// in the same order, for random windows, range types, page sizes and
// starting positions.
func TestTermIndexAgreesWithScan(t *testing.T) {
	s := openTest(t, testOptions(t.TempDir()))
	defer s.Close()
	rng := rand.New(rand.NewPCG(7, 7))
	randomTraces(t, s, rng, 1000)
	filters := map[string]*store.Filter{"common": valueIs("a"), "rare": valueIs("x"), "absent": valueIs("zzz")}
	checked := 0
	for round := range 40 {
		rt := rangeTypesAll[round%len(rangeTypesAll)]
		a := randomBase - 100 + rng.Float64()*800
		b := a + rng.Float64()*400
		if round%10 == 0 {
			a, b = 0, 1e10
		}
		for name, f := range filters {
			scan := store.TraceQuery{Start: a, End: b, RangeType: rt, Filter: &store.Filter{Match: f.Match}}
			indexed := scan
			indexed.Filter = f
			want := findAll(t, s, scan, 0)
			sizes := []int{0, 7}
			if len(want) < 100 {
				sizes = append(sizes, 1)
			}
			for _, size := range sizes {
				if got := findAll(t, s, indexed, size); !slices.Equal(got, want) {
					t.Fatalf("%s, range type %d, window [%v, %v), pages of %d:\n got %d %v\nwant %d %v", name, rt, a, b, size, len(got), got, len(want), want)
				}
			}
			// Resuming after an arbitrary position, present or not.
			if len(want) > 2 {
				p := want[rng.IntN(len(want))]
				if rng.IntN(2) == 0 {
					p.Time += 0.1
				}
				scan.After, indexed.After = &p, &p
				if got, w := findAll(t, s, indexed, 0), findAll(t, s, scan, 0); !slices.Equal(got, w) {
					t.Fatalf("%s, range type %d, after %v: got %v, want %v", name, rt, p, got, w)
				}
			}
			checked += len(want)
		}
	}
	if checked < 2000 {
		t.Fatalf("only %d results compared: the data does not exercise the index", checked)
	}
}

var rangeTypesAll = []store.RangeType{store.ByTraceID, store.ByStartTime, store.ByEndTime, store.Overlapping}

// A query reads the postings of its rarest term, whatever the order of the
// filter's terms.
func TestRarestTermDrives(t *testing.T) {
	s := openTest(t, testOptions(t.TempDir()))
	defer s.Close()
	randomTraces(t, s, rand.New(rand.NewPCG(8, 8)), 400)
	common, rare := trace.AnnotationTerm("v", "a"), trace.AnnotationTerm("v", "x")
	snap := s.db.NewSnapshot()
	defer snap.Close()
	for _, terms := range [][]string{{common, rare}, {rare, common}, {trace.AnnotationKeyTerm("v"), rare, common}} {
		got, err := rarestTerm(snap, s.parts.list()[0], terms, 0, 1e10)
		if err != nil {
			t.Fatal(err)
		}
		if got != rare {
			t.Errorf("rarestTerm(%q) = %q, want %q", terms, got, rare)
		}
	}
}

// A store written before the term index existed (format 1: summaries, no
// postings) gets its index at Open, and filtered queries find its traces.
func TestOpenBuildsTermIndexOfOldStore(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, testOptions(dir))
	randomTraces(t, s, rand.New(rand.NewPCG(9, 9)), 300)
	rare := valueIs("x")
	q := store.TraceQuery{Start: 0, End: 1e10, RangeType: store.ByStartTime, Filter: rare}
	want := findAll(t, s, q, 0)
	if len(want) == 0 {
		t.Fatal("no trace has the rare value")
	}
	// Turn it into a format-1 store: no postings.
	for _, p := range s.parts.list() {
		lo := append(appendPartPrefix(nil, p), kindPosting)
		if err := s.db.DeleteRange(lo, prefixEnd(lo), pebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Set(metaFormatKey, []byte{formatNoTermIndex}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if got := findAll(t, s, q, 0); len(got) != 0 {
		t.Fatalf("without postings the filter still found %d traces: the test does not remove the index", len(got))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, testOptions(dir))
	defer s.Close()
	if got := findAll(t, s, q, 0); !slices.Equal(got, want) {
		t.Errorf("after the upgrade: got %v, want %v", got, want)
	}
	v, closer, err := s.db.Get(metaFormatKey)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	if len(v) != 1 || v[0] != formatVersion {
		t.Errorf("format after the upgrade: %v, want %d", v, formatVersion)
	}
}

// A filter without Match is its terms.
func TestFilterWithoutMatch(t *testing.T) {
	s := openTest(t, testOptions(t.TempDir()))
	defer s.Close()
	randomTraces(t, s, rand.New(rand.NewPCG(10, 10)), 200)
	q := store.TraceQuery{Start: 0, End: 1e10, RangeType: store.ByStartTime, Filter: valueIs("x")}
	want := findAll(t, s, q, 0)
	q.Filter = &store.Filter{Terms: q.Filter.Terms}
	if got := findAll(t, s, q, 0); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("terms only: got %d traces, want %d (> 0)", len(got), len(want))
	}
}
