// Package servertest runs a whole Lightbox in-process (or as a child
// process) for tests and points the real aws-sdk-go-v2 X-Ray client at it;
// xraysdktest points the real aws-xray-sdk-go at it. It is test support:
// only _test.go files import it. Tests in package server itself cannot
// (servertest imports server); its server_test tests can.
package servertest

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/server"
)

// AnyLoopbackPort is an address that binds an ephemeral port on loopback.
// Config fills it in for the UDP and API listeners; the OTLP receivers are
// off unless a test sets their addresses to it.
const AnyLoopbackPort = "127.0.0.1:0"

// Config is cfg made safe to run beside other tests: empty UDP and API
// addresses become ephemeral loopback ports, an empty DataDir a fresh
// temporary directory, a nil Logger one that discards.
func Config(t testing.TB, cfg server.Config) server.Config {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	return withTestDefaults(cfg)
}

// withTestDefaults is Config without the data directory, which a child
// process gets from its parent.
func withTestDefaults(cfg server.Config) server.Config {
	if cfg.UDPAddr == "" {
		cfg.UDPAddr = AnyLoopbackPort
	}
	if cfg.TCPAddr == "" {
		cfg.TCPAddr = AnyLoopbackPort
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// An Option changes how Start runs the server.
type Option func(*options)

type options struct {
	shutdownTimeout time.Duration
}

// ShutdownTimeout is how long the server may take to shut down when the
// test ends (default 10 s); a slower shutdown fails the test.
func ShutdownTimeout(d time.Duration) Option {
	return func(o *options) { o.shutdownTimeout = d }
}

// Start runs a whole Lightbox in-process on Config(t, cfg) and shuts it
// down when the test ends; an error from New or Shutdown fails the test.
func Start(t testing.TB, cfg server.Config, opts ...Option) *server.Server {
	t.Helper()
	o := options{shutdownTimeout: 10 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	srv, err := server.New(Config(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	StopAtCleanup(t, "shut down lightbox", o.shutdownTimeout, srv.Shutdown)
	return srv
}

// StopAtCleanup calls stop (a Shutdown or Close method) with a deadline of
// timeout when the test ends; an error fails the test, saying what could
// not be done.
func StopAtCleanup(t testing.TB, what string, timeout time.Duration, stop func(context.Context) error) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := stop(ctx); err != nil {
			t.Errorf("cannot %s: %v", what, err)
		}
	})
}

// addrOrOff is a's host:port, or "off" for a listener left off.
func addrOrOff(a net.Addr) string {
	if a == nil {
		return "off"
	}
	return a.String()
}
