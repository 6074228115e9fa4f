package daemon

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lightbox-tracing/lightbox/segment"
)

// countingWriter stores nothing: the benchmark measures the listener.
type countingWriter struct{ docs atomic.Int64 }

func (w *countingWriter) WriteSegments(_ context.Context, docs []*segment.Document) error {
	w.docs.Add(int64(len(docs)))
	return nil
}

// BenchmarkListener measures how many datagrams a second the listener
// reads, validates and hands to the Writer. The sender keeps a window of
// datagrams in flight so that the kernel buffer never overflows and the
// figure is the listener's sustained rate, not the sender's.
func BenchmarkListener(b *testing.B) {
	all := fixtureDatagrams(b)
	cases := []struct {
		name string
		dg   []byte
	}{
		{"segment-1KB", dg(padded(segDoc(1), 1024))},
		{"go-segment-4.6KB", largest(all["go-aws-xray-sdk-go-1.8.5.jsonl"])},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			w := &countingWriter{}
			l := startListener(b, Options{Writer: w})
			conn := dial(b, l)
			const window = 4096
			b.ReportAllocs()
			b.SetBytes(int64(len(c.dg)))
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				for int64(i)-w.docs.Load() > window {
					time.Sleep(50 * time.Microsecond)
				}
				if _, err := conn.Write(c.dg); err != nil {
					b.Fatal(err)
				}
			}
			for w.docs.Load() < int64(b.N) {
				if testutil.ToFloat64(l.m.received) < float64(b.N) && time.Since(start) > time.Minute {
					b.Fatalf("lost datagrams: %v of %d received", testutil.ToFloat64(l.m.received), b.N)
				}
				time.Sleep(100 * time.Microsecond)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "docs/s")
		})
	}
}
