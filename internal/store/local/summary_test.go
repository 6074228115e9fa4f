package local

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/internal/trace/summarycodec"
	"github.com/lightbox-tracing/lightbox/internal/trace/tracetest"
)

// The stored format bytes are the codec's format numbers.
func TestSummaryFormatBytes(t *testing.T) {
	for b, f := range map[byte]summarycodec.Format{
		summaryFormatBinary: summarycodec.FormatBinary,
		summaryFormatRoots:  summarycodec.FormatRoots,
		summaryFormatHTTP:   summarycodec.Current,
	} {
		if b != byte(f) {
			t.Errorf("format byte %d stands for codec format %d", b, f)
		}
	}
}

// The stored form is the current format byte and the codec's encoding
// (whose round trips summarycodec's tests check), and reads back whole.
func TestSummaryCodecRoundTrip(t *testing.T) {
	want := tracetest.FilledSummary()
	b := encodeSummary(want)
	if b[0] != summaryFormatHTTP {
		t.Fatalf("stored summary starts with format byte %d, want %d", b[0], summaryFormatHTTP)
	}
	got, err := decodeSummary(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip changed the summary:\n got %+v\nwant %+v", got, want)
	}
}

// Summaries stored as JSON by early versions still read.
func TestSummaryJSONStillReads(t *testing.T) {
	want := tracetest.FilledSummary()
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeSummary(append([]byte{summaryFormatJSON}, b...))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON summary decoded as %+v, %v", got, err)
	}
}

// withoutGraphHTTP clears the graph's HTTP lists and returns how many
// (empty) lists the encoding then ends with: one per node and per edge.
func withoutGraphHTTP(s *trace.Summary) int {
	lists := 0
	for i := range s.Graph.Nodes {
		n := &s.Graph.Nodes[i]
		n.HTTP = nil
		lists++
		for j := range n.Edges {
			n.Edges[j].HTTP = nil
			lists++
		}
	}
	return lists
}

// Summaries written before the graph had HTTP lists (summaryFormatRoots:
// the same encoding without the lists at its end) still read, without them.
func TestSummaryWithoutGraphHTTPStillReads(t *testing.T) {
	want := tracetest.FilledSummary()
	lists := withoutGraphHTTP(want)
	b := encodeSummary(want)
	if b[0] != summaryFormatHTTP || !bytes.HasSuffix(b, make([]byte, lists)) {
		t.Fatalf("encoding starts with %d and ends with % x, want format %d and %d empty lists", b[0], b[len(b)-lists:], summaryFormatHTTP, lists)
	}
	old := append([]byte{summaryFormatRoots}, b[1:len(b)-lists]...)
	got, err := decodeSummary(old)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("format %d summary decoded as %+v, %v", summaryFormatRoots, got, err)
	}
	if _, err := decodeSummary(append([]byte{summaryFormatRoots}, b[1:]...)); err == nil {
		t.Errorf("a format %d summary followed by HTTP lists decoded without error", summaryFormatRoots)
	}
}

// Summaries written before they had root causes (summaryFormatBinary: the
// same encoding without the three root-cause lists and the HTTP lists at
// its end) still read, with neither.
func TestSummaryWithoutRootCausesStillReads(t *testing.T) {
	want := tracetest.FilledSummary()
	want.FaultRootCauses, want.ErrorRootCauses, want.ResponseTimeRootCauses = nil, nil, nil
	cut := 3 + withoutGraphHTTP(want)
	b := encodeSummary(want)
	if !bytes.HasSuffix(b, make([]byte, cut)) {
		t.Fatalf("encoding ends with % x, want %d empty lists", b[len(b)-cut:], cut)
	}
	old := append([]byte{summaryFormatBinary}, b[1:len(b)-cut]...)
	got, err := decodeSummary(old)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("format %d summary decoded as %+v, %v", summaryFormatBinary, got, err)
	}
	if _, err := decodeSummary(append([]byte{summaryFormatBinary}, b[1:]...)); err == nil {
		t.Errorf("a format %d summary followed by root causes decoded without error", summaryFormatBinary)
	}
}

// Every truncation of a valid encoding is an error, never a panic.
func TestSummaryCodecTruncated(t *testing.T) {
	b := encodeSummary(tracetest.FilledSummary())
	for i := range len(b) - 1 {
		if _, err := decodeSummary(b[:i]); err == nil {
			t.Fatalf("decoding %d of %d bytes succeeded", i, len(b))
		}
	}
}

func TestSameContentIgnoresRevisionOnly(t *testing.T) {
	a, b := tracetest.FilledSummary(), tracetest.FilledSummary()
	b.Revision, b.UpdatedAt = a.Revision+5, a.UpdatedAt+60
	if !sameContent(a, b) {
		t.Error("summaries differing in Revision and UpdatedAt only are not the same content")
	}
	b.EndTime++
	if sameContent(a, b) {
		t.Error("summaries with different end times are the same content")
	}
}

func FuzzSummaryDecode(f *testing.F) {
	f.Add(encodeSummary(tracetest.FilledSummary()))
	f.Add(encodeSummary(&trace.Summary{ID: "x"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSummary(b)
		if err != nil {
			return
		}
		if _, err := decodeSummary(encodeSummary(s)); err != nil {
			t.Fatalf("re-encoding a decoded summary: %v", err)
		}
	})
}

func BenchmarkSummaryDecode(b *testing.B) {
	s := tracetest.FilledSummary()
	for name, enc := range map[string][]byte{
		"binary": encodeSummary(s),
		"json":   append([]byte{summaryFormatJSON}, must(json.Marshal(s))...),
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeSummary(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
