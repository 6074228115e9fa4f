package summarycodec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/internal/trace/tracetest"
)

func TestRoundTrip(t *testing.T) {
	cases := map[string]*trace.Summary{
		"every field set": tracetest.FilledSummary(),
		"zero":            {},
		"some fields":     {ID: "1-6553f100-000000000000000000000001", Revision: 3, StartTime: 1700000000.125, SegmentCount: 2, IsPartial: true},
	}
	for name, want := range cases {
		for format, enc := range encoders {
			t.Run(fmt.Sprintf("%s/format %d", name, format), func(t *testing.T) {
				got, err := Decode(enc(nil, want), format)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					g, _ := json.Marshal(got)
					w, _ := json.Marshal(want)
					t.Fatalf("round trip changed the summary (a field of trace.Summary the codec does not store?)\n got %s\nwant %s", g, w)
				}
			})
		}
	}
}

// encoders are the formats written and their encoders.
var encoders = map[Format]func([]byte, *trace.Summary) []byte{Current: Append, FormatCompact: AppendCompact}

// Every float comes back with the same bits in FormatCompact, whichever
// tag it took, and whole-µs times take fewer bytes than their 8.
func TestCompactFloats(t *testing.T) {
	floats := []float64{
		1700000000.123456, 1700000000.123457, 1700000000.123456, 1700000003, 0.064965963363647, 0.851, 0,
		math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), -1700000000.5, 1e300, 5e-324,
		math.MaxFloat64, 9007199254.740993, 0.1 + 0.2, 1, 1,
	}
	var s trace.Summary
	for _, f := range floats {
		s.Graph.Nodes = append(s.Graph.Nodes, trace.Node{Obs: []trace.Observation{{Start: f, End: f, Duration: f}}})
	}
	got, err := Decode(AppendCompact(nil, &s), FormatCompact)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range floats {
		o := got.Graph.Nodes[i].Obs[0]
		for _, g := range []float64{o.Start, o.End, o.Duration} {
			if math.Float64bits(g) != math.Float64bits(f) {
				t.Errorf("float %d: %v (%#x) came back as %v (%#x)", i, f, math.Float64bits(f), g, math.Float64bits(g))
			}
		}
	}
	times := trace.Summary{StartTime: 1700000000.123456, EndTime: 1700000000.223456, Duration: 0.1, ResponseTime: 0.1, UpdatedAt: 1700000001.5}
	if plain, compact := len(Append(nil, &times)), len(AppendCompact(nil, &times)); compact > plain-15 {
		t.Errorf("five whole-µs times took %d bytes compact, %d plain", compact, plain)
	}
}

// The bytes are the ones the embedded engine wrote before the codec moved
// here (testdata/filled.bin was written by that code), so its stores read
// unchanged. A change to trace.Summary that changes tracetest.FilledSummary() changes them
// too: then add a format, and regenerate the file with the old one.
func TestFormatUnchanged(t *testing.T) {
	want, err := os.ReadFile("testdata/filled.bin")
	if err != nil {
		t.Fatal(err)
	}
	if got := Append(nil, tracetest.FilledSummary()); !bytes.Equal(got, want) {
		t.Fatalf("Append wrote %d bytes that differ from format %d's %d bytes in testdata/filled.bin", len(got), Current, len(want))
	}
}

func TestUnknownFormat(t *testing.T) {
	b := Append(nil, tracetest.FilledSummary())
	for _, f := range []Format{0, 1, 6, 255} {
		if _, err := Decode(b, f); err == nil {
			t.Errorf("format %d decoded without error", f)
		}
	}
}

// Every truncation of a valid encoding is an error, never a panic.
func TestTruncated(t *testing.T) {
	for format, enc := range encoders {
		b := enc(nil, tracetest.FilledSummary())
		for i := range len(b) - 1 {
			if _, err := Decode(b[:i], format); err == nil {
				t.Fatalf("format %d: decoding %d of %d bytes succeeded", format, i, len(b))
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Append(nil, tracetest.FilledSummary()), false)
	f.Add(Append(nil, &trace.Summary{ID: "x"}), false)
	f.Add(AppendCompact(nil, tracetest.FilledSummary()), true)
	f.Fuzz(func(t *testing.T, b []byte, compact bool) {
		format := Current
		if compact {
			format = FormatCompact
		}
		s, err := Decode(b, format)
		if err != nil {
			return
		}
		for format, enc := range encoders {
			if _, err := Decode(enc(nil, s), format); err != nil {
				t.Fatalf("re-encoding a decoded summary in format %d: %v", format, err)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	s := tracetest.FilledSummary()
	enc := Append(nil, s)
	js, err := json.Marshal(s)
	if err != nil {
		b.Fatal(err)
	}
	compact := AppendCompact(nil, s)
	b.Run("compact", func(b *testing.B) {
		b.SetBytes(int64(len(compact)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(compact, FormatCompact); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("binary", func(b *testing.B) {
		b.SetBytes(int64(len(enc)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(enc, Current); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.SetBytes(int64(len(js)))
		b.ReportAllocs()
		for b.Loop() {
			if err := json.Unmarshal(js, new(trace.Summary)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
