package forward

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lightbox-tracing/lightbox/segment"
)

func datagram(doc string) []byte { return []byte(segment.Header + "\n" + doc) }

func listen(t *testing.T, f *Forwarder, reg prometheus.Registerer) *Receiver {
	t.Helper()
	r, err := f.Listen(ReceiverOptions{Addr: "127.0.0.1:0", Logger: quietLogger(), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Shutdown(context.Background()) })
	return r
}

func sendTo(t *testing.T, r *Receiver, dgs ...[]byte) {
	t.Helper()
	c, err := net.DialUDP("udp", nil, r.LocalAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, b := range dgs {
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
}

// Valid datagrams reach the upstream, each document once; invalid ones
// are counted under their reason and never sent; received = accepted +
// rejected.
func TestReceiverForwardsValidAndCountsInvalid(t *testing.T) {
	u := newUpstream(t, nil)
	f := newForwarder(t, u, nil)
	reg := prometheus.NewRegistry()
	r := listen(t, f, reg)
	r.Start()

	var dgs [][]byte
	for _, d := range docs(0, 20) {
		dgs = append(dgs, datagram(string(d.Raw)))
	}
	sub := func(id string) string {
		return `{"trace_id":"1-5f000000-000000000000000000000001","id":"` + id + `","parent_id":"0000000000000001","type":"subsegment","name":"q","start_time":1,"end_time":2}`
	}
	dgs = append(dgs, datagram("["+sub("00000000000000a1")+","+sub("00000000000000a2")+"]"))
	bad := map[string][]byte{
		segment.CodeInvalidSegment: []byte(`{"trace_id":"1-5f000000-000000000000000000000001"}`), // no header line
		segment.CodeInvalidJSON:    datagram(`{"id":"0000000000000009","trace_id":`),
		segment.CodeMissingField:   datagram(`{"trace_id":"1-5f000000-000000000000000000000001","name":"x"}`),
		segment.CodeInvalidTraceID: datagram(`{"id":"0000000000000009","trace_id":"1-xyz"}`),
		segment.CodeInvalidID:      datagram(`{"id":"09","trace_id":"1-5f000000-000000000000000000000001"}`),
	}
	for _, b := range bad {
		dgs = append(dgs, b)
	}
	sendTo(t, r, dgs...)

	waitFor(t, "every datagram read", func() bool { return testutil.ToFloat64(r.docs.Received) == float64(len(dgs)) })
	waitFor(t, "valid documents sent", func() bool { return f.Stats().Sent == 22 })
	if got := testutil.ToFloat64(r.docs.Accepted); got != 21 {
		t.Errorf("accepted %v datagrams, want 21", got)
	}
	for reason := range bad {
		if got := testutil.ToFloat64(r.docs.Rejected.WithLabelValues(reason)); got != 1 {
			t.Errorf("rejected[%s] = %v, want 1", reason, got)
		}
	}
	calls, _ := u.snapshot()
	seen := map[string]int{}
	for _, c := range calls {
		for _, id := range c {
			seen[id]++
		}
	}
	if len(seen) != 22 || seen["00000000000000a1"] != 1 || seen["00000000000000a2"] != 1 {
		t.Errorf("upstream saw %v, want the 20 segments and both subsegments of the array once", seen)
	}
	checkBalance(t, f.Stats())

	// The kernel's view of the socket is exported too.
	n, err := testutil.GatherAndCount(reg, "lightbox_udp_socket_drops_total", "lightbox_udp_receive_buffer_bytes")
	if err != nil || n != 2 {
		t.Errorf("kernel socket series: %d (%v), want 2", n, err)
	}
}

// Datagrams already queued in the socket when Shutdown starts are taken
// in, not thrown away with the socket.
func TestReceiverShutdownTakesInQueuedDatagrams(t *testing.T) {
	u := newUpstream(t, nil)
	f := newForwarder(t, u, func(o *Options) { o.FlushInterval = time.Hour })
	r := listen(t, f, nil)
	// Not started: everything waits in the socket.
	const n = 300
	var dgs [][]byte
	for _, d := range docs(0, n) {
		dgs = append(dgs, datagram(string(d.Raw)))
	}
	sendTo(t, r, dgs...)
	r.Start()
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := f.Stats(); s.Sent != n || s.Offered != n {
		t.Errorf("offered %d sent %d, want %d each (stats %+v)", s.Offered, s.Sent, n, s)
	}
}

// The document bytes are copied out of the read buffer: later datagrams
// must not change what was buffered.
func TestReceiverCopiesDocuments(t *testing.T) {
	u := newUpstream(t, nil)
	f := newForwarder(t, u, func(o *Options) { o.FlushInterval = time.Hour })
	r := listen(t, f, nil)
	buf := make([]byte, 0, 4096)
	var want []string
	for _, d := range docs(0, 3) {
		buf = append(buf[:0], datagram(string(d.Raw))...)
		r.handle(buf, false)
		want = append(want, string(d.Raw))
	}
	f.mu.Lock()
	var got []string
	for _, d := range f.cur.docs {
		got = append(got, string(d.raw))
	}
	f.mu.Unlock()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("buffered documents changed with the read buffer:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
