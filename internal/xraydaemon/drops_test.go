package xraydaemon

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/forward"
)

// scriptedUpstream answers PutTraceSegments with respond(call).
func scriptedUpstream(t *testing.T, respond func(call int64, w http.ResponseWriter)) *httptest.Server {
	var calls atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		respond(calls.Add(1)-1, w)
	}))
	t.Cleanup(s.Close)
	return s
}

func answerOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"UnprocessedTraceSegments":[]}`)
}

func get(t *testing.T, d *Daemon, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + d.TCPAddr().String() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestFullBufferDropsAreCountedExactly fills the smallest buffer the X-Ray
// daemon allows (3 MB) while the upstream hangs: exactly the documents
// that do not fit are dropped, and /healthz and /metrics say so.
func TestFullBufferDropsAreCountedExactly(t *testing.T) {
	isolateAWS(t)
	release := make(chan struct{})
	up := scriptedUpstream(t, func(_ int64, w http.ResponseWriter) {
		<-release
		answerOK(w)
	})
	released := false
	t.Cleanup(func() {
		if !released {
			close(release)
		}
	})
	d := startDaemon(t, Config{Endpoint: up.URL, NoSign: true, BufferMB: 3})
	doc := segmentJSON(0, 50_000)
	size := len(doc)
	fit := (3 << 20) / size
	const n = 80
	for i := range n {
		sendUDP(t, d.UDPAddr(), segmentJSON(i, 50_000))
		// One at a time, so that only the forwarder's buffer can overflow.
		waitFor(t, "the datagram to reach the forwarder", func() bool { return d.Stats().Offered == int64(i+1) })
	}
	s := d.Stats()
	if s.Buffered != int64(fit) || s.Dropped[forward.ReasonBufferFull] != int64(n-fit) {
		t.Fatalf("buffered %d, dropped %v; want %d buffered and %d buffer_full", s.Buffered, s.Dropped, fit, n-fit)
	}

	code, body := get(t, d, "/healthz")
	var h Health
	if err := json.Unmarshal([]byte(body), &h); err != nil || code != 200 {
		t.Fatalf("/healthz %d %q: %v", code, body, err)
	}
	if h.UDP.Received != n || h.UDP.Accepted != n || h.Forward.Dropped[forward.ReasonBufferFull] != int64(n-fit) || h.Forward.Buffered != int64(fit) {
		t.Errorf("/healthz %s", body)
	}
	_, metrics := get(t, d, "/metrics")
	for _, want := range []string{
		fmt.Sprintf(`lightbox_forward_documents_dropped_total{reason="buffer_full"} %d`, n-fit),
		fmt.Sprintf(`lightbox_documents_received_total{source="udp"} %d`, n),
		fmt.Sprintf(`lightbox_forward_buffer_documents %d`, fit),
		`lightbox_forward_buffer_capacity_bytes 3.145728e+06`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	close(release)
	released = true
	waitFor(t, "the buffered documents to be sent", func() bool { return d.Stats().Sent == int64(fit) })
	if s := d.Stats(); s.Buffered != 0 || s.Dropped[forward.ReasonBufferFull] != int64(n-fit) {
		t.Errorf("after recovery %+v", s)
	}
}

// TestUpstreamOutageThenRecoveryLosesNothing: the upstream answers 503,
// 429 ThrottledException and 500 for a while; everything within the buffer
// is delivered once it recovers, and /healthz reports the outage meanwhile.
func TestUpstreamOutageThenRecoveryLosesNothing(t *testing.T) {
	isolateAWS(t)
	var healthy atomic.Bool
	up := scriptedUpstream(t, func(call int64, w http.ResponseWriter) {
		if healthy.Load() {
			answerOK(w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch call % 3 {
		case 0:
			w.Header().Set("X-Amzn-ErrorType", "ServiceUnavailableException")
			w.WriteHeader(503)
		case 1:
			w.Header().Set("X-Amzn-ErrorType", "ThrottledException")
			w.WriteHeader(429)
		default:
			w.Header().Set("X-Amzn-ErrorType", "InternalFailure")
			w.WriteHeader(500)
		}
		io.WriteString(w, `{"message":"outage"}`)
	})
	d := startDaemon(t, Config{Endpoint: up.URL, NoSign: true})
	const n = 300
	for i := range n {
		sendUDP(t, d.UDPAddr(), segmentJSON(i, 100))
	}
	waitFor(t, "retries during the outage", func() bool {
		s := d.Stats()
		return s.Offered == n && s.Requests[forward.ResultThrottled] > 0 && s.Requests[forward.ResultServerError] > 3
	})
	if h := d.Health(); h.Status != "degraded" || h.Forward.LastError == "" {
		t.Errorf("/healthz during the outage: status %q, last error %q", h.Status, h.Forward.LastError)
	}
	healthy.Store(true)
	waitFor(t, "delivery after recovery", func() bool { return d.Stats().Sent == n })
	s := d.Stats()
	for r, k := range s.Dropped {
		if k != 0 {
			t.Errorf("%d dropped (%s)", k, r)
		}
	}
	if h := d.Health(); h.Status != "ok" {
		t.Errorf("/healthz after recovery: %q", h.Status)
	}
}

// TestSpoolAbsorbsOutageBeyondTheBuffer: with --spool-dir, what does not
// fit in the 3 MB buffer during an outage waits on disk, and everything
// is delivered once the upstream returns.
func TestSpoolAbsorbsOutageBeyondTheBuffer(t *testing.T) {
	isolateAWS(t)
	var healthy atomic.Bool
	up := scriptedUpstream(t, func(_ int64, w http.ResponseWriter) {
		if !healthy.Load() {
			w.Header().Set("X-Amzn-ErrorType", "ServiceUnavailableException")
			w.WriteHeader(503)
			return
		}
		answerOK(w)
	})
	d := startDaemon(t, Config{Endpoint: up.URL, NoSign: true, BufferMB: 3, SpoolDir: t.TempDir(), SpoolMB: 16})
	const n = 150
	fit := (3 << 20) / len(segmentJSON(0, 50_000))
	for i := range n {
		sendUDP(t, d.UDPAddr(), segmentJSON(i, 50_000))
		waitFor(t, "the datagram to reach the forwarder", func() bool { return d.Stats().Offered == int64(i+1) })
	}
	h := d.Health()
	if h.Forward.Buffered != int64(fit) || h.Forward.Spooled != int64(n-fit) {
		t.Fatalf("during the outage: %d buffered, %d spooled; want %d and %d", h.Forward.Buffered, h.Forward.Spooled, fit, n-fit)
	}
	for r, k := range h.Forward.Dropped {
		if k != 0 {
			t.Errorf("%d dropped (%s) with room in the spool", k, r)
		}
	}
	_, metrics := get(t, d, "/metrics")
	if want := fmt.Sprintf("lightbox_forward_spool_documents %d", n-fit); !strings.Contains(metrics, want) {
		t.Errorf("/metrics lacks %q", want)
	}
	healthy.Store(true)
	waitFor(t, "delivery from buffer and spool", func() bool { return d.Stats().Sent == n })
	if s := d.Stats(); s.Spooled != 0 || s.Buffered != 0 {
		t.Errorf("after recovery: %+v", s)
	}
}
