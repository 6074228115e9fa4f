package otlp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/lightbox-tracing/lightbox/internal/store/local"
)

// benchCodec sends pre-encoded requests as they are.
type benchCodec struct{}

func (benchCodec) Name() string                  { return "proto" }
func (benchCodec) Marshal(v any) ([]byte, error) { return v.([]byte), nil }
func (benchCodec) Unmarshal(b []byte, v any) error {
	*(v.(*[]byte)) = b
	return nil
}

// BenchmarkIngest measures end-to-end OTLP ingest into the embedded store
// on disk: concurrent senders (like several services' batch exporters)
// post 512-span requests (64 traces of 8 spans, fresh trace IDs each
// time) and wait for each answer, which comes only once the spans are
// durable. The senders run in this process and share its CPU; they only
// patch pre-encoded bytes. Reports spans/s.
func BenchmarkIngest(b *testing.B) {
	for _, proto := range []string{"grpc", "http"} {
		for _, senders := range []int{4, 16} {
			b.Run(fmt.Sprintf("%s/senders=%d", proto, senders), func(b *testing.B) {
				benchIngest(b, proto, senders)
			})
		}
	}
}

func benchIngest(b *testing.B, proto string, senders int) {
	st, err := local.Open(local.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	r, err := Listen(Options{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Writer: st})
	if err != nil {
		b.Fatal(err)
	}
	r.Start()
	defer r.Shutdown(context.Background())
	const traces = 64
	p, err := newRequestPatcher(traces, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	send := httpSender(b, r.HTTPAddr().String())
	if proto == "grpc" {
		send = grpcSender(b, r.GRPCAddr().String())
	}

	b.ResetTimer()
	cpu0 := cpuTime()
	var wg sync.WaitGroup
	var next sync.Mutex
	left := b.N
	for range senders {
		wg.Go(func() {
			for {
				next.Lock()
				if left == 0 {
					next.Unlock()
					return
				}
				left--
				next.Unlock()
				if err := send(p.request()); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := b.Elapsed()
	b.StopTimer()
	// Sync waits for the store to assemble every trace (the summaries
	// queries read), so that the CPU figure holds all the work.
	if err := st.Sync(context.Background()); err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime() - cpu0
	spans := float64(b.N * traces * spansPerTrace)
	b.ReportMetric(spans/elapsed.Seconds(), "spans/s")
	// On a shared machine the wall-clock rate depends on the neighbours;
	// spans per CPU-second of this process (senders, receivers, store
	// writes and trace assembly) does not.
	b.ReportMetric(spans/cpu.Seconds(), "spans/cpu-s")
	if got := st.Stats().Traces; got < int64(b.N*traces) {
		b.Fatalf("store summarized %d traces, want %d", got, b.N*traces)
	}
}

func grpcSender(b testing.TB, addr string) func([]byte) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return func(body []byte) error {
		var out []byte
		return conn.Invoke(context.Background(), "/opentelemetry.proto.collector.trace.v1.TraceService/Export", body, &out, grpc.ForceCodec(benchCodec{}))
	}
}

func httpSender(_ testing.TB, addr string) func([]byte) error {
	url := "http://" + addr + TracesPath
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return func(body []byte) error {
		resp, err := client.Post(url, contentProtobuf, bytes.NewReader(body))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body) // so the connection is reused
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
