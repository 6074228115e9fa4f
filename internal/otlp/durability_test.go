package otlp_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

func TestMain(m *testing.M) {
	// The kill -9 test runs the test binary again as a server process.
	servertest.ServeIfChild(otlpConfig(""))
	os.Exit(m.Run())
}

// traceRequest is n two-span traces (a server span and a child) whose
// trace IDs start at first; it returns their X-Ray IDs too.
func traceRequest(first, n int) (ptraceotlp.ExportRequest, []string) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "durable")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	now := time.Now()
	ts := pcommon.NewTimestampFromTime(now)
	var ids []string
	for i := first; i < first+n; i++ {
		tid := pcommon.TraceID{byte(now.Unix() >> 24), byte(now.Unix() >> 16), byte(now.Unix() >> 8), byte(now.Unix()), 0xd0, 0, 0, 0, 0, 0, 0, 0, 0, 0, byte(i >> 8), byte(i)}
		root := spans.AppendEmpty()
		root.SetTraceID(tid)
		root.SetSpanID(pcommon.SpanID{1, byte(i >> 8), byte(i)})
		root.SetKind(ptrace.SpanKindServer)
		root.SetStartTimestamp(ts)
		root.SetEndTimestamp(ts + 1e6)
		child := spans.AppendEmpty()
		root.CopyTo(child)
		child.SetKind(ptrace.SpanKindInternal)
		child.SetSpanID(pcommon.SpanID{2, byte(i >> 8), byte(i)})
		child.SetParentSpanID(root.SpanID())
		child.SetName("step")
		ids = append(ids, fmt.Sprintf("1-%x-%x", tid[:4], tid[4:]))
	}
	return ptraceotlp.NewExportRequestFromTraces(td), ids
}

// TestAcknowledgedSpansSurviveKill9 exports spans over OTLP/gRPC and
// OTLP/HTTP to a server process, kills it with SIGKILL as soon as the last
// export is acknowledged, and finds every acknowledged span after a
// restart: an answer means the spans are durable.
func TestAcknowledgedSpansSurviveKill9(t *testing.T) {
	dir := t.TempDir()
	child := servertest.StartChild(t, dir)
	conn, err := grpc.NewClient(child.OTLPGRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	grpcClient := ptraceotlp.NewGRPCClient(conn)

	const requests, perRequest = 16, 50
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for r := range requests {
		wg.Go(func() {
			req, ids := traceRequest(r*perRequest, perRequest)
			if r%2 == 0 {
				if _, err := grpcClient.Export(context.Background(), req); err != nil {
					t.Errorf("gRPC export: %v", err)
					return
				}
			} else {
				body, _ := req.MarshalProto()
				resp, err := httpPost("http://"+child.OTLPHTTPAddr+"/v1/traces", body)
				if err != nil || resp != 200 {
					t.Errorf("HTTP export: %d %v", resp, err)
					return
				}
			}
			mu.Lock()
			acked = append(acked, ids...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := child.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Cmd.Wait()
	if len(acked) != requests*perRequest {
		t.Fatalf("%d traces acknowledged, want %d", len(acked), requests*perRequest)
	}

	found := countWholeTraces(t, servertest.XRayClient(startServerOn(t, dir)), acked)
	t.Logf("%d of %d acknowledged traces found after SIGKILL and restart", found, len(acked))
	if found != len(acked) {
		t.Errorf("after SIGKILL and restart %d of %d acknowledged traces are whole", found, len(acked))
	}
}
