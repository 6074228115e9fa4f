package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

func TestMain(m *testing.M) {
	// The kill -9 tests run the test binary again as a server process.
	servertest.ServeIfChild(server.Config{})
	os.Exit(m.Run())
}

func segmentDoc(traceID string, i int, now float64) string {
	return fmt.Sprintf(`{"trace_id":"%s","id":"%016x","name":"svc-%d","start_time":%.6f,"end_time":%.6f,"http":{"response":{"status":200}}}`,
		traceID, 0xa000000000000000+uint64(i), i%3, now, now+0.01)
}

// TestAcknowledgedSegmentsSurviveKill9 sends documents through
// PutTraceSegments and over UDP to a server process, kills it with SIGKILL,
// and checks every acknowledged document (and every UDP document older than
// one second) is there after a restart.
func TestAcknowledgedSegmentsSurviveKill9(t *testing.T) {
	dir := t.TempDir()
	child := servertest.StartChild(t, dir)
	cmd, udpAddr, tcpAddr := child.Cmd, child.UDPAddr, child.TCPAddr
	c := servertest.XRayClientAt(tcpAddr)

	now := float64(time.Now().UnixNano()) / 1e9
	traceAPI := fmt.Sprintf("1-%08x-%024x", int64(now), 1)
	traceUDP := fmt.Sprintf("1-%08x-%024x", int64(now), 2)
	const apiDocs, udpDocs = 200, 200
	for i := 0; i < apiDocs; i += 50 {
		var batch []string
		for j := i; j < i+50; j++ {
			batch = append(batch, segmentDoc(traceAPI, j, now))
		}
		out, err := c.PutTraceSegments(context.Background(), &awsxray.PutTraceSegmentsInput{TraceSegmentDocuments: batch})
		if err != nil || len(out.UnprocessedTraceSegments) != 0 {
			t.Fatalf("PutTraceSegments: %v %+v", err, out)
		}
	}
	conn, err := net.Dial("udp", udpAddr)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < udpDocs; i++ {
		if _, err := fmt.Fprintf(conn, "{\"format\": \"json\", \"version\": 1}\n%s", segmentDoc(traceUDP, i, now)); err != nil {
			t.Fatal(err)
		}
		if i%50 == 49 {
			time.Sleep(5 * time.Millisecond) // stay far below the socket buffer
		}
	}
	conn.Close()
	// UDP documents are durable within one second of arrival (the listener
	// flushes every 100 ms); on a busy machine allow more before checking
	// what the server reports as stored, then kill it.
	waitForMetric(t, tcpAddr, `lightbox_documents_stored_total{source="udp"}`, udpDocs, 10*time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	srv := servertest.Start(t, server.Config{DataDir: dir})
	bt, err := servertest.XRayClient(srv).BatchGetTraces(context.Background(), &awsxray.BatchGetTracesInput{TraceIds: []string{traceAPI, traceUDP}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, tr := range bt.Traces {
		got[aws.ToString(tr.Id)] = len(tr.Segments)
	}
	if got[traceAPI] != apiDocs || got[traceUDP] != udpDocs {
		t.Fatalf("after kill -9: %d of %d PutTraceSegments documents, %d of %d UDP documents", got[traceAPI], apiDocs, got[traceUDP], udpDocs)
	}
}

// TestSIGTERMFlushesEverythingAccepted sends datagrams to a server process,
// waits until its /metrics says it has read them all, sends SIGTERM at once
// (well before the batcher's next flush), and expects every document on disk.
func TestSIGTERMFlushesEverythingAccepted(t *testing.T) {
	dir := t.TempDir()
	child := servertest.StartChild(t, dir)
	cmd, udpAddr, tcpAddr := child.Cmd, child.UDPAddr, child.TCPAddr
	now := float64(time.Now().UnixNano()) / 1e9
	traceID := fmt.Sprintf("1-%08x-%024x", int64(now), 3)
	const n = 1000
	conn, err := net.Dial("udp", udpAddr)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(conn, "{\"format\": \"json\", \"version\": 1}\n%s", segmentDoc(traceID, i, now))
		if i%100 == 99 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	conn.Close()
	waitForMetric(t, tcpAddr, `lightbox_documents_received_total{source="udp"}`, n, 10*time.Second)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("server exited with %v after SIGTERM", err)
	}

	srv := servertest.Start(t, server.Config{DataDir: dir})
	bt, err := servertest.XRayClient(srv).BatchGetTraces(context.Background(), &awsxray.BatchGetTracesInput{TraceIds: []string{traceID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(bt.Traces) != 1 || len(bt.Traces[0].Segments) != n {
		got := 0
		if len(bt.Traces) == 1 {
			got = len(bt.Traces[0].Segments)
		}
		t.Fatalf("after SIGTERM %d of %d documents were stored", got, n)
	}
}

// waitForMetric polls a server process's /metrics until the series equals
// want.
func waitForMetric(t *testing.T, tcpAddr, series string, want float64, timeout time.Duration) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	deadline := time.Now().Add(timeout)
	var last string
	for {
		resp, err := http.Get("http://" + tcpAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := re.FindSubmatch(body); m != nil {
			last = string(m[1])
			if v, _ := strconv.ParseFloat(last, 64); v == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %s after %v, want %v", series, last, timeout, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
