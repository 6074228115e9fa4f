package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

func TestHealthzAndMetrics(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	resp, err := http.Get("http://" + srv.TCPAddr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/healthz = %d, want 200", resp.StatusCode)
	}
	// One API call so that the latency histogram has a series.
	if _, err := servertest.XRayClient(srv).GetSamplingRules(context.Background(), &awsxray.GetSamplingRulesInput{}); err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get("http://" + srv.TCPAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"lightbox_store_disk_bytes", "lightbox_documents_received_total", "lightbox_documents_accepted_total", "lightbox_api_request_duration_seconds"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestBadDatagramsAreCountedAndDoNotDisturbGoodOnes interleaves broken
// datagrams with good ones over real UDP.
func TestBadDatagramsAreCountedAndDoNotDisturbGoodOnes(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	conn, err := net.Dial("udp", srv.UDPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	now := float64(time.Now().UnixNano()) / 1e9
	traceID := fmt.Sprintf("1-%08x-%024x", int64(now), 7)
	bad := []string{
		"no header at all",
		`{"format": "xml", "version": 1}` + "\n{}",
		"{\"format\": \"json\", \"version\": 1}\n{not json",
		"{\"format\": \"json\", \"version\": 1}\n" + `{"trace_id":"` + traceID + `","id":"abc","name":"x","start_time":1,"end_time":2}`,
		"{\"format\": \"json\", \"version\": 1}\n" + `{"trace_id":"` + traceID + `","id":"0000000000000bad","name":"x","start_time":3,"end_time":2}`,
	}
	const good = 10
	for i := 0; i < good; i++ {
		fmt.Fprintf(conn, "{\"format\": \"json\", \"version\": 1}\n%s", segmentDoc(traceID, i, now))
		conn.Write([]byte(bad[i%len(bad)]))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := metricSum(t, srv, "lightbox_documents_rejected_total")
		if n == good {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rejected = %v, want %d", n, good)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for {
		bt, err := servertest.XRayClient(srv).BatchGetTraces(context.Background(), &awsxray.BatchGetTracesInput{TraceIds: []string{traceID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(bt.Traces) == 1 && len(bt.Traces[0].Segments) == good {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("good documents stored: %+v", bt.Traces)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = aws.String
	reasons := map[string]float64{}
	for _, m := range servertest.MetricSamples(t, srv.Registry()) {
		if reason, ok := m.Labels["reason"]; ok && m.Family == "lightbox_documents_rejected_total" {
			reasons[reason] += m.Counter
		}
	}
	if reasons["InvalidSegment"] != 4 || reasons["InvalidJSON"] != 2 || reasons["InvalidId"] != 2 || reasons["InvalidTime"] != 2 {
		t.Errorf("rejections by reason = %v", reasons)
	}
}

// metricSum adds up every sample of a counter or gauge family.
func metricSum(t *testing.T, srv *server.Server, name string) float64 {
	t.Helper()
	var sum float64
	for _, m := range servertest.MetricSamples(t, srv.Registry()) {
		if m.Family == name {
			sum += m.Counter + m.Gauge
		}
	}
	return sum
}

// TestPutTraceSegmentsIsCounted checks the API path keeps the same document
// counters as UDP, under source="api".
func TestPutTraceSegmentsIsCounted(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	now := float64(time.Now().UnixNano()) / 1e9
	traceID := fmt.Sprintf("1-%08x-%024x", int64(now), 9)
	docs := []string{segmentDoc(traceID, 1, now), segmentDoc(traceID, 2, now), segmentDoc(traceID, 3, now),
		`{"trace_id":"` + traceID + `","id":"nothex","name":"x","start_time":1,"end_time":2}`, `{`}
	out, err := servertest.XRayClient(srv).PutTraceSegments(context.Background(), &awsxray.PutTraceSegmentsInput{TraceSegmentDocuments: docs})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.UnprocessedTraceSegments) != 2 || aws.ToString(out.UnprocessedTraceSegments[0].ErrorCode) != "InvalidId" || aws.ToString(out.UnprocessedTraceSegments[1].ErrorCode) != "InvalidJSON" {
		t.Fatalf("UnprocessedTraceSegments = %+v", out.UnprocessedTraceSegments)
	}
	got := map[string]float64{}
	for _, m := range servertest.MetricSamples(t, srv.Registry()) {
		if m.Labels["source"] != "api" || m.Counter == 0 {
			continue
		}
		got[strings.TrimPrefix(m.Family, "lightbox_documents_")+m.Labels["reason"]] = m.Counter
	}
	want := map[string]float64{"received_total": 5, "accepted_total": 3, "stored_total": 3, "rejected_totalInvalidId": 1, "rejected_totalInvalidJSON": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("api document counters = %v, want %v", got, want)
	}
}
