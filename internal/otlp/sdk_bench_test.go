package otlp_test

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// BenchmarkSDKToLightbox is the whole path as an application sees it: the
// real OTel SDK in this process records traces of 8 spans (4 goroutines),
// its batch processor exports them over OTLP/gRPC (512-span batches, up to
// 64k spans queued) to a whole Lightbox in the same process, durable in
// its store. The SDK's own cost is included; spans the SDK drops when its
// queue is full would show as missing from the store, which the benchmark
// checks. Reports spans/s and spans per CPU-second of the process.
func BenchmarkSDKToLightbox(b *testing.B) {
	srv := startServer(b)
	exp := grpcExporter(b, srv)
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithMaxQueueSize(1<<16), sdktrace.WithBlocking()))
	defer tp.Shutdown(context.Background())
	tr := tp.Tracer("bench")

	b.ResetTimer()
	cpu0 := processCPU()
	var wg sync.WaitGroup
	per := b.N/4 + 1
	for range 4 {
		wg.Go(func() {
			for range per {
				ctx, root := tr.Start(context.Background(), "GET /orders/{id}", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
					attribute.String("http.request.method", "GET"), attribute.String("url.path", "/orders/42"),
					attribute.Int("http.response.status_code", 200)))
				for k := range 7 {
					_, sp := tr.Start(ctx, "step", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
						attribute.String("server.address", "inventory.local"), attribute.Int("step", k)))
					sp.End()
				}
				root.End()
			}
		})
	}
	wg.Wait()
	if err := tp.ForceFlush(context.Background()); err != nil {
		b.Fatal(err)
	}
	elapsed, cpu := b.Elapsed(), processCPU()-cpu0
	b.StopTimer()
	spans := float64(4 * per * 8)
	b.ReportMetric(spans/elapsed.Seconds(), "spans/s")
	b.ReportMetric(spans/cpu.Seconds(), "spans/cpu-s")
	if got := counter(b, srv, "lightbox_documents_stored_total", "otlp"); got != spans {
		b.Fatalf("%v spans stored, want %v", got, spans)
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
