package forward

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/segment"
)

// upstream is a loopback PutTraceSegments endpoint whose answers a test
// scripts: respond gets each call's documents (by ID) and writes the reply.
type upstream struct {
	t       testing.TB
	srv     *httptest.Server
	mu      sync.Mutex
	calls   [][]string // document IDs per call, in arrival order
	at      []time.Time
	respond func(call int, ids []string, w http.ResponseWriter)
}

func newUpstream(t testing.TB, respond func(call int, ids []string, w http.ResponseWriter)) *upstream {
	u := &upstream{t: t, respond: respond}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/TraceSegments" {
			http.Error(w, "unexpected path "+r.URL.Path, http.StatusNotFound)
			return
		}
		var in struct{ TraceSegmentDocuments []string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ids := make([]string, len(in.TraceSegmentDocuments))
		for i, d := range in.TraceSegmentDocuments {
			var doc struct{ ID string }
			if err := json.Unmarshal([]byte(d), &doc); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			ids[i] = doc.ID
		}
		u.mu.Lock()
		call := len(u.calls)
		u.calls = append(u.calls, ids)
		u.at = append(u.at, time.Now())
		u.mu.Unlock()
		if u.respond == nil {
			ok(w)
			return
		}
		u.respond(call, ids, w)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"UnprocessedTraceSegments":[]}`)
}

// fail answers like X-Ray does for an error: status, error type header,
// JSON message.
func fail(w http.ResponseWriter, status int, errType string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", errType)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":"scripted %s"}`, errType)
}

// snapshot returns the calls received so far and when each arrived.
func (u *upstream) snapshot() (calls [][]string, at []time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([][]string(nil), u.calls...), append([]time.Time(nil), u.at...)
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// docs makes n documents whose JSON is all the same size (docSize bytes).
func docs(from, n int) []*segment.Document {
	out := make([]*segment.Document, n)
	for i := range out {
		k := from + i
		d := &segment.Document{
			TraceID: fmt.Sprintf("1-%08x-%024x", 0x5f000000, k),
			ID:      fmt.Sprintf("%016x", k),
			Name:    "svc",
		}
		d.Raw = fmt.Appendf(nil, `{"trace_id":"%s","id":"%s","name":"svc","start_time":1,"end_time":2}`, d.TraceID, d.ID)
		out[i] = d
	}
	return out
}

var docSize = len(docs(0, 1)[0].Raw)

func newForwarder(t *testing.T, u *upstream, mod func(*Options)) *Forwarder {
	t.Helper()
	o := Options{Endpoint: u.srv.URL, Logger: quietLogger(), FlushInterval: 50 * time.Millisecond,
		RetryBase: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond}
	if mod != nil {
		mod(&o)
	}
	f, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.Close(ctx)
	})
	return f
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkBalance asserts that every offered document is accounted for.
func checkBalance(t *testing.T, s Stats) {
	t.Helper()
	var dropped int64
	for _, n := range s.Dropped {
		dropped += n
	}
	if s.Offered+s.Restored != s.Sent+dropped+s.Buffered+s.Spooled {
		t.Errorf("offered %d + restored %d != sent %d + dropped %d + buffered %d + spooled %d",
			s.Offered, s.Restored, s.Sent, dropped, s.Buffered, s.Spooled)
	}
}
