package summarycodec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// filled sets every field of a trace.Summary, nested ones included, to a
// non-zero value by reflection, so that a field the codec does not know
// breaks the round trip. Strings repeat, to exercise interning.
func filled() *trace.Summary {
	s := new(trace.Summary)
	n := 0
	fill(reflect.ValueOf(s).Elem(), &n)
	// Exactly one of an annotation value's String, Number, Bool is set.
	i := 0
	for _, k := range slices.Sorted(maps.Keys(s.Annotations)) {
		vs := s.Annotations[k]
		for j := range vs {
			switch i % 3 {
			case 0:
				vs[j].Number, vs[j].Bool = nil, nil
			case 1:
				vs[j].String, vs[j].Bool = nil, nil
			case 2:
				vs[j].String, vs[j].Number = nil, nil
			}
			i++
		}
	}
	return s
}

func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n%5))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint8:
		v.SetUint(uint64(*n%3 + 1))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for i := range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			k.SetString(fmt.Sprintf("key%d", i))
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, n)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	default:
		panic(fmt.Sprintf("fill: add a case for %s", v.Type()))
	}
}

func TestRoundTrip(t *testing.T) {
	cases := map[string]*trace.Summary{
		"every field set": filled(),
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
// unchanged. A change to trace.Summary that changes filled() changes them
// too: then add a format, and regenerate the file with the old one.
func TestFormatUnchanged(t *testing.T) {
	want, err := os.ReadFile("testdata/filled.bin")
	if err != nil {
		t.Fatal(err)
	}
	if got := Append(nil, filled()); !bytes.Equal(got, want) {
		t.Fatalf("Append wrote %d bytes that differ from format %d's %d bytes in testdata/filled.bin", len(got), Current, len(want))
	}
}

func TestUnknownFormat(t *testing.T) {
	b := Append(nil, filled())
	for _, f := range []Format{0, 1, 6, 255} {
		if _, err := Decode(b, f); err == nil {
			t.Errorf("format %d decoded without error", f)
		}
	}
}

// Every truncation of a valid encoding is an error, never a panic.
func TestTruncated(t *testing.T) {
	for format, enc := range encoders {
		b := enc(nil, filled())
		for i := range len(b) - 1 {
			if _, err := Decode(b[:i], format); err == nil {
				t.Fatalf("format %d: decoding %d of %d bytes succeeded", format, i, len(b))
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Append(nil, filled()), false)
	f.Add(Append(nil, &trace.Summary{ID: "x"}), false)
	f.Add(AppendCompact(nil, filled()), true)
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
	s := filled()
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
