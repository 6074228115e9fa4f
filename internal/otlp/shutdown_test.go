package otlp_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

// TestShutdownKeepsEveryAcknowledgedSpan: senders export over OTLP/gRPC
// and OTLP/HTTP while the server shuts down; after a restart every trace
// whose export was acknowledged is there (requests cut off by the
// shutdown fail, and their senders would retry).
func TestShutdownKeepsEveryAcknowledgedSpan(t *testing.T) {
	dir := t.TempDir()
	srv, err := server.New(servertest.Config(t, otlpConfig(dir)))
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	conn, err := grpc.NewClient(srv.OTLPGRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := ptraceotlp.NewGRPCClient(conn)
	httpURL := "http://" + srv.OTLPHTTPAddr().String() + "/v1/traces"

	var mu sync.Mutex
	var acked []string
	var next, answered atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for s := range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, ids := traceRequest(int(next.Add(1))*20, 20)
				var ok bool
				if s%2 == 0 {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					_, err := client.Export(ctx, req)
					cancel()
					ok = err == nil
				} else {
					body, _ := req.MarshalProto()
					code, err := httpPost(httpURL, body)
					ok = err == nil && code == 200
				}
				if ok {
					mu.Lock()
					acked = append(acked, ids...)
					mu.Unlock()
					answered.Add(1)
				}
			}
		})
	}
	deadline := time.Now().Add(30 * time.Second)
	for answered.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no export was acknowledged before the shutdown")
	}

	found := countWholeTraces(t, servertest.XRayClient(startServerOn(t, dir)), acked)
	t.Logf("%d of %d traces acknowledged around the shutdown found after a restart", found, len(acked))
	if found != len(acked) {
		t.Errorf("%d of %d acknowledged traces found after shutdown and restart", found, len(acked))
	}
}
