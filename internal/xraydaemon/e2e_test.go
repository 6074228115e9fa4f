package xraydaemon

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-xray-sdk-go/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/xray"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
	"github.com/lightbox-tracing/lightbox/internal/servertest/xraysdktest"
)

// startApp runs "frontend" → "backend", both instrumented with the real
// aws-xray-sdk-go sending to daemonUDP and sampling every request.
func startApp(t *testing.T, daemonUDP net.Addr) string {
	t.Helper()
	ctx := xraysdktest.SampleAllContext(t, daemonUDP)
	backend := httptest.NewServer(xray.HandlerWithContext(ctx, xray.NewFixedSegmentNamer("backend"),
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "labels") })))
	t.Cleanup(backend.Close)
	hc := xray.Client(&http.Client{Timeout: 5 * time.Second})
	front := httptest.NewServer(xray.HandlerWithContext(ctx, xray.NewFixedSegmentNamer("frontend"),
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = xray.Capture(r.Context(), "resize_image", func(ctx context.Context) error {
				return xray.AddAnnotation(ctx, "width", 640)
			})
			req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, backend.URL+"/labels", nil)
			resp, err := hc.Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})))
	t.Cleanup(front.Close)
	return front.URL
}

// TestRealSDKThroughDaemonToLightbox: SDK app → UDP → lightbox daemon →
// PutTraceSegments → lightbox serve; the traces are read back with the
// real X-Ray client.
func TestRealSDKThroughDaemonToLightbox(t *testing.T) {
	isolateAWS(t)
	srv := servertest.Start(t, server.Config{})
	d := startDaemon(t, Config{Endpoint: "http://" + srv.TCPAddr().String(), NoSign: true})
	url := startApp(t, d.UDPAddr())
	start := time.Now().Add(-time.Minute)
	const requests = 5
	for range requests {
		resp, err := http.Get(url + "/upload")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("app answered %d", resp.StatusCode)
		}
	}
	c := servertest.XRayClient(srv)
	var ids []string
	waitFor(t, "5 complete traces in Lightbox", func() bool {
		out, err := c.GetTraceSummaries(context.Background(), &awsxray.GetTraceSummariesInput{StartTime: &start, EndTime: aws.Time(time.Now().Add(time.Minute))})
		if err != nil {
			t.Fatal(err)
		}
		ids = ids[:0]
		for _, s := range out.TraceSummaries {
			if len(s.ServiceIds) >= 2 {
				ids = append(ids, aws.ToString(s.Id))
			}
		}
		return len(ids) == requests
	})
	bt, err := c.BatchGetTraces(context.Background(), &awsxray.BatchGetTracesInput{TraceIds: ids})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range bt.Traces {
		names := map[string]bool{}
		for _, s := range tr.Segments {
			var doc struct{ Name string }
			if err := jsonUnmarshal(aws.ToString(s.Document), &doc); err != nil {
				t.Fatal(err)
			}
			names[doc.Name] = true
		}
		if !names["frontend"] || !names["backend"] {
			t.Errorf("trace %s has segments %v, want frontend and backend", aws.ToString(tr.Id), names)
		}
	}
	h := d.Health()
	if h.Forward.Sent < 2*requests || h.UDP.Received != float64(h.Forward.Offered) {
		t.Errorf("health %+v: want ≥ %d sent and every received datagram offered", h, 2*requests)
	}
	for r, n := range h.Forward.Dropped {
		if n != 0 {
			t.Errorf("%d documents dropped (%s)", n, r)
		}
	}
}

// TestSDKCentralizedSamplingThroughDaemon points the real SDK's
// centralized sampler at the daemon's TCP address (unsigned, chunked POST
// /GetSamplingRules and /SamplingTargets): it must reach Lightbox and
// adopt its Default rule.
func TestSDKCentralizedSamplingThroughDaemon(t *testing.T) {
	isolateAWS(t)
	srv := servertest.Start(t, server.Config{})
	d := startDaemon(t, Config{Endpoint: "http://" + srv.TCPAddr().String(), NoSign: true})
	strategy := xraysdktest.CentralizedSampler(t, d.TCPAddr().String(), d.UDPAddr().String())
	req := &sampling.Request{Host: "frontend", Method: "GET", URL: "/upload", ServiceName: "frontend"}
	xraysdktest.WaitForRule(t, strategy, req, "Default", 20*time.Second)
}
