package otlp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/lightbox-tracing/lightbox/internal/server"
)

// childEnv makes the test binary act as a Lightbox server process, so that
// a test can kill it with SIGKILL as a crash would.
const childEnv = "LIGHTBOX_OTLP_TEST_CHILD_DATA_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		runChild(dir)
		return
	}
	os.Exit(m.Run())
}

func runChild(dir string) {
	srv, err := server.New(server.Config{UDPAddr: "127.0.0.1:0", TCPAddr: "127.0.0.1:0", OTLPGRPCAddr: "127.0.0.1:0",
		OTLPHTTPAddr: "127.0.0.1:0", DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	srv.Start()
	fmt.Printf("READY %s %s\n", srv.OTLPGRPCAddr(), srv.OTLPHTTPAddr())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	srv.Shutdown(context.Background())
	os.Exit(0)
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
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "READY ") {
		t.Fatalf("child did not start: %q %v", line, err)
	}
	addrs := strings.Fields(line)
	conn, err := grpc.NewClient(addrs[1], grpc.WithTransportCredentials(insecure.NewCredentials()))
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
				resp, err := httpPost("http://"+addrs[2]+"/v1/traces", body)
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
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if len(acked) != requests*perRequest {
		t.Fatalf("%d traces acknowledged, want %d", len(acked), requests*perRequest)
	}

	srv := startServerOn(t, dir)
	c := xrayClient(srv)
	found := 0
	for i := 0; i < len(acked); i += 100 {
		ids := acked[i:min(i+100, len(acked))]
		p := awsxray.NewBatchGetTracesPaginator(c, &awsxray.BatchGetTracesInput{TraceIds: ids})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range page.Traces {
				if len(tr.Segments) == 1 && strings.Contains(aws.ToString(tr.Segments[0].Document), `"step"`) {
					found++
				}
			}
		}
	}
	t.Logf("%d of %d acknowledged traces found after SIGKILL and restart", found, len(acked))
	if found != len(acked) {
		t.Errorf("after SIGKILL and restart %d of %d acknowledged traces are whole", found, len(acked))
	}
}
