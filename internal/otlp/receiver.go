package otlp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/lightbox-tracing/lightbox/internal/store"
)

// Default addresses, as in the OpenTelemetry Collector (but loopback only).
const (
	DefaultGRPCAddr = "127.0.0.1:4317"
	DefaultHTTPAddr = "127.0.0.1:4318"
)

// Off disables a receiver when given as its address.
const Off = "off"

// Options configure the receivers.
type Options struct {
	// GRPCAddr and HTTPAddr are where OTLP/gRPC and OTLP/HTTP listen; ""
	// or "off" disables that receiver.
	GRPCAddr, HTTPAddr string
	// Writer stores the documents; a request is answered once they are
	// durable.
	Writer      store.Writer
	Translation TranslationOptions
	Logger      *slog.Logger
	Registerer  prometheus.Registerer
	// MaxRequestBytes bounds a request body after decompression
	// (default 64 MiB).
	MaxRequestBytes int64
}

// Receiver is the running OTLP receivers.
type Receiver struct {
	in     *ingester
	grpc   *grpc.Server
	grpcLn net.Listener
	http   *http.Server
	httpLn net.Listener
}

func disabled(addr string) bool { return addr == "" || strings.EqualFold(addr, Off) }

// Listen binds the enabled receivers; nothing is served until Start.
func Listen(o Options) (_ *Receiver, err error) {
	if o.Writer == nil {
		return nil, errors.New("cannot start OTLP receivers: no writer")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = 64 << 20
	}
	r := &Receiver{in: newIngester(o)}
	defer func() {
		if err != nil {
			r.close() // r, not the nil result
		}
	}()
	if !disabled(o.GRPCAddr) {
		if r.grpcLn, err = net.Listen("tcp", o.GRPCAddr); err != nil {
			return nil, fmt.Errorf("cannot listen for OTLP/gRPC on %s: %w", o.GRPCAddr, err)
		}
		r.grpc = newGRPCServer(r.in, int(o.MaxRequestBytes))
	}
	if !disabled(o.HTTPAddr) {
		if r.httpLn, err = net.Listen("tcp", o.HTTPAddr); err != nil {
			return nil, fmt.Errorf("cannot listen for OTLP/HTTP on %s: %w", o.HTTPAddr, err)
		}
		r.http = &http.Server{Handler: newHTTPHandler(r.in, o.MaxRequestBytes), ReadHeaderTimeout: 10 * time.Second}
	}
	return r, nil
}

// Start serves in the background.
func (r *Receiver) Start() {
	if r.grpc != nil {
		go func() {
			if err := r.grpc.Serve(r.grpcLn); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
				r.in.log.Error("OTLP/gRPC server stopped", "err", err)
			}
		}()
	}
	if r.http != nil {
		go func() {
			if err := r.http.Serve(r.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				r.in.log.Error("OTLP/HTTP server stopped", "err", err)
			}
		}()
	}
}

// GRPCAddr is the bound OTLP/gRPC address, or nil when disabled.
func (r *Receiver) GRPCAddr() net.Addr {
	if r.grpcLn == nil {
		return nil
	}
	return r.grpcLn.Addr()
}

// HTTPAddr is the bound OTLP/HTTP address, or nil when disabled.
func (r *Receiver) HTTPAddr() net.Addr {
	if r.httpLn == nil {
		return nil
	}
	return r.httpLn.Addr()
}

// Shutdown stops taking requests and waits, until ctx is done, for those
// in flight (whose spans are written before they are answered).
func (r *Receiver) Shutdown(ctx context.Context) error {
	var errs []error
	if r.grpc != nil {
		done := make(chan struct{})
		go func() { r.grpc.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			r.grpc.Stop()
			<-done
			errs = append(errs, fmt.Errorf("cannot finish OTLP/gRPC requests: %w", ctx.Err()))
		}
	}
	if r.http != nil {
		if err := r.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("cannot stop OTLP/HTTP server: %w", err))
		}
	}
	return errors.Join(errs...)
}

// close releases the sockets of a receiver that never started.
func (r *Receiver) close() {
	if r.grpcLn != nil {
		r.grpcLn.Close()
	}
	if r.httpLn != nil {
		r.httpLn.Close()
	}
}
