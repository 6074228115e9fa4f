// Package server assembles Lightbox: the embedded store, the UDP segment
// listener, and the HTTP side (X-Ray API, /healthz, /metrics) on one TCP
// port. Tests start it in-process on ephemeral ports.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lightbox-tracing/lightbox/internal/api"
	"github.com/lightbox-tracing/lightbox/internal/console"
	"github.com/lightbox-tracing/lightbox/internal/daemon"
	"github.com/lightbox-tracing/lightbox/internal/otlp"
	"github.com/lightbox-tracing/lightbox/internal/store"
)

// Server is a running Lightbox.
type Server struct {
	cfg      Config
	log      *slog.Logger
	registry *prometheus.Registry
	store    store.Store
	udp      *daemon.Listener
	otlp     *otlp.Receiver
	tcp      net.Listener
	http     *http.Server
	ready    atomic.Bool
	stopped  chan struct{}
}

// New opens the store and binds both sockets; nothing is served until
// Start. On error everything already opened is closed again.
func New(cfg Config) (s *Server, err error) {
	cfg = cfg.withDefaults()
	s = &Server{cfg: cfg, log: cfg.Logger, registry: prometheus.NewRegistry(), stopped: make(chan struct{})}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// The server is passed in: "return nil, err" sets the named s to nil
	// before deferred calls run.
	defer func(s *Server) {
		if err != nil {
			s.closeAll()
		}
	}(s)
	st, err := openStore(cfg)
	if err != nil {
		return nil, err
	}
	s.store = st
	s.registerStoreMetrics()

	s.udp, err = daemon.Listen(daemon.Options{
		Addr:       cfg.UDPAddr,
		Writer:     st,
		Logger:     cfg.Logger.With("component", "udp"),
		Registerer: s.registry,
		ReadBuffer: cfg.UDPReadBuffer,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot listen for segments on udp %s: %w", cfg.UDPAddr, err)
	}
	s.otlp, err = otlp.Listen(otlp.Options{
		GRPCAddr: cfg.OTLPGRPCAddr,
		HTTPAddr: cfg.OTLPHTTPAddr,
		Translation: otlp.TranslationOptions{
			IndexedAttributes:  cfg.OTLPAnnotations,
			IndexAllAttributes: slices.Contains(cfg.OTLPAnnotations, "*"),
		},
		Writer:     st,
		Logger:     cfg.Logger.With("component", "otlp"),
		Registerer: s.registry,
	})
	if err != nil {
		return nil, err
	}
	s.tcp, err = net.Listen("tcp", cfg.TCPAddr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for the API on tcp %s: %w", cfg.TCPAddr, err)
	}
	s.http = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "starting or stopping", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry}))
	// Browsers send Sec-Fetch-Site or Origin; a request they mark as
	// cross-site cannot change anything (CSRF against the console's
	// mutating calls). The AWS CLI and SDKs send neither and pass.
	mux.Handle("/", http.NewCrossOriginProtection().Handler(api.New(api.Options{
		Reader:     s.store,
		Writer:     s.store,
		Logger:     s.log.With("component", "api"),
		Registerer: s.registry,
	})))
	// The web console owns GET paths only; every API operation is a POST.
	ui := console.New()
	for _, p := range console.Patterns {
		mux.Handle(p, ui)
	}
	return mux
}

func (s *Server) registerStoreMetrics() {
	s.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "lightbox_store_disk_bytes",
		Help: "Bytes the embedded store occupies on disk.",
	}, func() float64 { return float64(s.store.Stats().DiskBytes) }))
	s.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "lightbox_store_pending_traces",
		Help: "Traces written but not yet assembled into a summary.",
	}, func() float64 { return float64(s.store.Stats().PendingTraces) }))
}

// Start serves UDP and HTTP in the background; /healthz answers 200 from
// now on.
func (s *Server) Start() {
	s.udp.Start()
	s.otlp.Start()
	go func() {
		defer close(s.stopped)
		if err := s.http.Serve(s.tcp); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	s.ready.Store(true)
	s.log.Info("lightbox is serving", "udp", s.UDPAddr().String(), "tcp", s.TCPAddr().String(), "data", s.cfg.DataDir,
		"otlp_grpc", addrOrOff(s.OTLPGRPCAddr()), "otlp_http", addrOrOff(s.OTLPHTTPAddr()))
}

// OTLPGRPCAddr and OTLPHTTPAddr are the bound OTLP receiver addresses, nil
// when disabled.
func (s *Server) OTLPGRPCAddr() net.Addr { return s.otlp.GRPCAddr() }
func (s *Server) OTLPHTTPAddr() net.Addr { return s.otlp.HTTPAddr() }

func addrOrOff(a net.Addr) string {
	if a == nil {
		return "off"
	}
	return a.String()
}

// UDPAddr is the bound segment address.
func (s *Server) UDPAddr() net.Addr { return s.udp.LocalAddr() }

// TCPAddr is the bound API address.
func (s *Server) TCPAddr() net.Addr { return s.tcp.Addr() }

// Registry exposes the metrics registry (tests read it).
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Store exposes the engine (tests use Sync).
func (s *Server) Store() store.Store { return s.store }

// Shutdown stops taking data, writes everything already accepted, then
// closes the store. In-flight API requests get until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	var errs []error
	if err := s.udp.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("cannot flush udp ingest: %w", err))
	}
	if err := s.otlp.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("cannot stop otlp ingest: %w", err))
	}
	if err := s.http.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("cannot stop http server: %w", err))
	}
	if err := s.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("cannot close store: %w", err))
	}
	return errors.Join(errs...)
}

func (s *Server) closeAll() {
	if s.tcp != nil {
		s.tcp.Close()
	}
	if s.udp != nil {
		s.udp.Shutdown(context.Background())
	}
	if s.otlp != nil {
		s.otlp.Shutdown(context.Background())
	}
	if s.store != nil {
		s.store.Close()
	}
}
