package local

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

const benchBatch = 100 // documents per WriteSegments call

// benchBatches builds n batches of 100 documents of about 1 KB: 10 traces of
// 10 documents each, with fresh trace IDs around now.
func benchBatches(b *testing.B, rng *rand.Rand, n int) [][]*segment.Document {
	now := float64(time.Now().Unix())
	out := make([][]*segment.Document, n)
	for i := range out {
		for range benchBatch / 10 {
			start := now - rng.Float64()*600
			out[i] = append(out[i], genTrace(b, rng, uint32(start), start, 10)...)
		}
	}
	return out
}

// renamed copies a batch under new trace IDs (the last 8 hex digits become
// round), so that a reused batch writes new traces, as ingest does. It costs
// a copy of each document, about 5% of a write.
func renamed(batch []*segment.Document, round uint32) []*segment.Document {
	out := make([]*segment.Document, len(batch))
	for i, d := range batch {
		c := *d
		id := []byte(d.TraceID)
		hex.Encode(id[len(id)-8:], binary.BigEndian.AppendUint32(nil, round))
		c.TraceID = string(id)
		c.Raw = bytes.Replace(d.Raw, []byte(d.TraceID), id, 1)
		out[i] = &c
	}
	return out
}

func benchOptions(dir string) Options {
	return Options{Dir: dir, AssembleDelay: 200 * time.Millisecond, RetentionInterval: -1}
}

// BenchmarkWriteSegments measures acknowledged (fsynced) writes of 100-document
// batches by 1 and 4 concurrent writers, then how long the assembler needs to
// summarize them (Sync), reported as end-to-end documents per second.
func BenchmarkWriteSegments(b *testing.B) {
	for _, writers := range []int{1, 4} {
		b.Run(map[int]string{1: "writers=1", 4: "writers=4"}[writers], func(b *testing.B) {
			o := benchOptions(b.TempDir())
			fs, syncs := walSyncCounter()
			o.fs = fs
			s, err := Open(o)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			rng := rand.New(rand.NewPCG(1, uint64(writers)))
			pool := benchBatches(b, rng, 64)
			b.SetBytes(docBytes(pool[0]))
			b.ReportAllocs()
			ctx := context.Background()
			b.ResetTimer()
			start, cpu0, syncs0 := time.Now(), cpuTime(), syncs.Load()
			var wg sync.WaitGroup
			var next sync.Mutex
			i := 0
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						next.Lock()
						if i == b.N {
							next.Unlock()
							return
						}
						batch := pool[i%len(pool)]
						i++
						round := i
						next.Unlock()
						if err := s.WriteSegments(ctx, renamed(batch, uint32(round))); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			written := time.Since(start)
			b.ReportMetric(float64(syncs.Load()-syncs0)/float64(b.N), "fsyncs/batch")
			if err := s.Sync(ctx); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			docs := float64(b.N * benchBatch)
			b.ReportMetric(docs/written.Seconds(), "docs/s")
			b.ReportMetric(docs/time.Since(start).Seconds(), "summarized-docs/s")
			// CPU time of the whole process (compactions included) per
			// document: steadier than throughput on a shared machine.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/docs, "cpu-µs/doc")
		})
	}
}

// benchStore is a store holding 2,000 traces of 10 documents, summarized.
func benchStore(b *testing.B) (*Store, []string) {
	b.Helper()
	s, err := Open(benchOptions(b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	rng := rand.New(rand.NewPCG(3, 3))
	var ids []string
	ctx := context.Background()
	for _, batch := range benchBatches(b, rng, 200) {
		if err := s.WriteSegments(ctx, batch); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(batch); i += 10 {
			ids = append(ids, batch[i].TraceID)
		}
	}
	if err := s.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	if err := s.db.Flush(); err != nil {
		b.Fatal(err)
	}
	return s, ids
}

// BenchmarkGetTraces reads one 10-document trace per operation.
func BenchmarkGetTraces(b *testing.B) {
	s, ids := benchStore(b)
	ctx := context.Background()
	got, err := s.GetTraces(ctx, ids[:1])
	if err != nil || len(got) != 1 {
		b.Fatalf("GetTraces: %v", err)
	}
	b.SetBytes(docBytes(got[0].Documents))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.GetTraces(ctx, ids[i%len(ids):i%len(ids)+1]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindTraces reads a page of 20 summaries, newest first, from a
// ten-minute window.
func BenchmarkFindTraces(b *testing.B) {
	s, _ := benchStore(b)
	ctx := context.Background()
	now := float64(time.Now().Unix())
	for _, rt := range []store.RangeType{store.ByStartTime, store.Overlapping} {
		name := map[store.RangeType]string{store.ByStartTime: "ByStartTime", store.Overlapping: "Overlapping"}[rt]
		b.Run(name, func(b *testing.B) {
			q := store.TraceQuery{Start: now - 700, End: now + 100, RangeType: rt}
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				err := s.FindTraces(ctx, q, func(*trace.Summary, store.Position) bool {
					n++
					return n < 20
				})
				if err != nil || n != 20 {
					b.Fatalf("FindTraces: %d results, %v", n, err)
				}
			}
		})
	}
}

// BenchmarkFindTracesFilter reads a page of 20 summaries matching
// annotation.cart_items = 7 (one trace in 20) from the ten-minute window,
// through the term index and by reading every summary (the same Match
// without Terms).
func BenchmarkFindTracesFilter(b *testing.B) {
	s, _ := benchStore(b)
	ctx := context.Background()
	now := float64(time.Now().Unix())
	match := func(sum *trace.Summary) bool {
		for _, v := range sum.Annotations["cart_items"] {
			if v.Number != nil && *v.Number == 7 {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		name   string
		filter *store.Filter
	}{
		{"index", &store.Filter{Terms: []string{trace.AnnotationTerm("cart_items", 7.0)}, Match: match}},
		{"scan", &store.Filter{Match: match}},
	} {
		b.Run(c.name, func(b *testing.B) {
			q := store.TraceQuery{Start: now - 700, End: now + 100, RangeType: store.ByTraceID, Filter: c.filter}
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				err := s.FindTraces(ctx, q, func(*trace.Summary, store.Position) bool {
					n++
					return n < 20
				})
				if err != nil || n != 20 {
					b.Fatalf("FindTraces: %d results, %v", n, err)
				}
			}
		})
	}
}

// BenchmarkPlaceNewTrace is the cost of placing a trace never seen before in
// a store with 30 daily partitions: one bloom-filtered probe per partition.
func BenchmarkPlaceNewTrace(b *testing.B) {
	s, err := Open(benchOptions(b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 5))
	now := time.Now()
	for d := range 30 {
		start := float64(now.Add(-time.Duration(d) * day).Unix())
		for range 20 {
			if err := s.WriteSegments(ctx, genTrace(b, rng, uint32(start), start, 5)); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := s.db.Flush(); err != nil {
		b.Fatal(err)
	}
	if n := len(s.parts.list()); n < 30 {
		b.Fatalf("%d partitions, want 30", n)
	}
	start := float64(now.Unix())
	b.ReportAllocs()
	for b.Loop() {
		var tid segment.TraceID
		for i := range tid {
			tid[i] = byte(rng.Uint32())
		}
		if _, _, err := s.place(tid, start); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime is the user and system CPU time used by the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
