package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lightbox-tracing/lightbox/segment"
)

// Sink is a PutTraceSegments endpoint that keeps nothing but the IDs of
// the documents it was sent. Pointed at by a forwarder (`lightbox daemon`
// or the AWS X-Ray daemon with -e), it lets a run measure the forwarder
// alone: the documents it delivered are verified against what the
// generator sent, without a store sharing the CPU. It accepts any
// signature, or none.
type Sink struct {
	ln  net.Listener
	srv *http.Server

	mu  sync.Mutex
	ids map[segment.SegmentID]struct{}

	calls, docs atomic.Int64
}

// NewSink listens on addr (e.g. 127.0.0.1:0) and serves until Close.
func NewSink(addr string) (*Sink, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for the sink on %s: %w", addr, err)
	}
	s := &Sink{ln: ln, ids: map[segment.SegmentID]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /TraceSegments", s.put)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the bound address.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Calls and Documents count what was received, duplicates included.
func (s *Sink) Calls() int64     { return s.calls.Load() }
func (s *Sink) Documents() int64 { return s.docs.Load() }

// Close stops serving.
func (s *Sink) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

func (s *Sink) put(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, `{"__type":"InvalidRequestException","message":"cannot read body"}`, http.StatusBadRequest)
		return
	}
	ids := documentIDs(body)
	s.mu.Lock()
	for _, id := range ids {
		s.ids[id] = struct{}{}
	}
	s.mu.Unlock()
	s.calls.Add(1)
	s.docs.Add(int64(len(ids)))
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"UnprocessedTraceSegments":[]}`)
}

// docStart and idKey frame a document's ID in a PutTraceSegments body as
// any JSON encoder writes it: every document the generator makes starts
// with its trace_id (35 characters) and then its id, and inside the
// body's strings the quotes are escaped, so an unescaped quote before the
// brace can only be the start of a document. Reading the IDs this way
// instead of decoding every document keeps the sink's CPU, which the
// forwarder under test shares, to a fraction.
const (
	docStart = `"{\"trace_id\":\"`
	idKey    = `\",\"id\":\"`
)

// documentIDs returns the IDs of the generator's documents in a
// PutTraceSegments body.
func documentIDs(body []byte) []segment.SegmentID {
	var ids []segment.SegmentID
	for i := 0; ; {
		k := bytes.Index(body[i:], []byte(docStart))
		if k < 0 {
			return ids
		}
		i += k + len(docStart)
		rest := body[i:]
		const traceLen = 35
		if len(rest) < traceLen+len(idKey)+16 || string(rest[traceLen:traceLen+len(idKey)]) != idKey {
			continue
		}
		if id, err := segment.ParseSegmentID(string(rest[traceLen+len(idKey) : traceLen+len(idKey)+16])); err == nil {
			ids = append(ids, id)
		}
	}
}

// check is the verifier's check against the sink: it counts, for each
// pending trace, the documents that arrived.
func (s *Sink) check(ctx context.Context, g *generator, pending []int, _ int) ([]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var incomplete []int
	for _, ti := range pending {
		tr := &g.traces[ti]
		var n uint8
		for _, id := range g.ids[tr.first : tr.first+uint32(tr.n)] {
			if _, ok := s.ids[id]; ok {
				n++
			}
		}
		tr.found = max(tr.found, n)
		if tr.found < tr.n {
			incomplete = append(incomplete, ti)
		}
	}
	return incomplete, ctx.Err()
}
