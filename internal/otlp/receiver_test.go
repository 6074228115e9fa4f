package otlp

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/store/local"
)

// TestListenOptions: "" and "off" disable a receiver, a taken port and a
// missing writer are errors naming what failed, and Shutdown of a receiver
// that never started returns.
func TestListenOptions(t *testing.T) {
	st, err := local.Open(local.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	for _, off := range []string{"", "off", "OFF"} {
		r, err := Listen(Options{GRPCAddr: off, HTTPAddr: off, Writer: st})
		if err != nil {
			t.Fatalf("%q: %v", off, err)
		}
		if r.GRPCAddr() != nil || r.HTTPAddr() != nil {
			t.Errorf("%q: receivers listen on %v and %v", off, r.GRPCAddr(), r.HTTPAddr())
		}
		r.Start()
		if err := r.Shutdown(context.Background()); err != nil {
			t.Errorf("%q: shutdown: %v", off, err)
		}
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	f := func(o Options, want string) {
		t.Helper()
		o.Writer = st
		if _, err := Listen(o); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Listen(%+v) = %v, want an error containing %q", o, err, want)
		}
	}
	f(Options{GRPCAddr: taken.Addr().String()}, "cannot listen for OTLP/gRPC on "+taken.Addr().String())
	f(Options{HTTPAddr: taken.Addr().String()}, "cannot listen for OTLP/HTTP on "+taken.Addr().String())
	f(Options{GRPCAddr: "127.0.0.1:0", HTTPAddr: taken.Addr().String()}, "cannot listen for OTLP/HTTP")
	if _, err := Listen(Options{GRPCAddr: "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), "no writer") {
		t.Errorf("Listen without a writer = %v", err)
	}

	r, err := Listen(Options{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Writer: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown before start: %v", err)
	}
}
