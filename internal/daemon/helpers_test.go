package daemon

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lightbox-tracing/lightbox/segment"
)

// recorder is a store.Writer that keeps documents in memory: the listener
// treats its Writer as a plain sink, so this is the whole contract.
type recorder struct {
	mu    sync.Mutex
	docs  []*segment.Document
	calls []int // documents per call, successful or not

	fail    func(call int) error // nil or the error call number n returns
	gate    chan struct{}        // when set, calls wait for it to close
	entered atomic.Int64         // calls that started, gated or not
}

func (r *recorder) WriteSegments(ctx context.Context, docs []*segment.Document) error {
	r.entered.Add(1)
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, len(docs))
	if r.fail != nil {
		if err := r.fail(len(r.calls)); err != nil {
			return err
		}
	}
	r.docs = append(r.docs, docs...)
	return nil
}

func (r *recorder) stored() []*segment.Document {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*segment.Document(nil), r.docs...)
}

func (r *recorder) callSizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.calls...)
}

// startListener listens on a free loopback port with opts, lets setup
// adjust the listener before it starts, and shuts it down at the end of
// the test, checking that no goroutine of it survives.
func startListener(t testing.TB, opts Options, setup ...func(*Listener)) *Listener {
	t.Helper()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewPedanticRegistry()
	}
	if opts.QueueSize == 0 {
		opts.QueueSize = 1 << 14 // keeps channel allocations small in tests
	}
	l, err := Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(l)
	}
	l.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		l.Shutdown(ctx)
		checkNoListenerGoroutines(t)
	})
	return l
}

// checkNoListenerGoroutines fails the test if a goroutine started by a
// Listener is still running shortly after Shutdown returned.
func checkNoListenerGoroutines(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked [][]byte
		for _, g := range bytes.Split(buf, []byte("\n\n")) {
			if bytes.Contains(g, []byte("internal/daemon.(*Listener)")) {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d listener goroutines leaked:\n%s", len(leaked), bytes.Join(leaked, []byte("\n\n")))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// send writes each datagram to the listener from one client socket.
func send(t testing.TB, l *Listener, dgs ...[]byte) {
	t.Helper()
	c, err := net.DialUDP("udp", nil, l.LocalAddr())
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

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func shutdown(t testing.TB, l *Listener) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func dial(t testing.TB, l *Listener) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, l.LocalAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
