package xraydaemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lightbox-tracing/lightbox/internal/forward"
)

// Daemon is a running `lightbox daemon`.
type Daemon struct {
	cfg      Config
	log      *slog.Logger
	registry *prometheus.Registry
	up       *upstream
	fwd      *forward.Forwarder
	udp      *forward.Receiver
	tcp      net.Listener
	http     *http.Server
	ready    atomic.Bool
}

// New resolves the upstream, binds both sockets and starts the forwarder;
// datagrams are read from Start on. On error everything opened is closed.
func New(ctx context.Context, cfg Config) (*Daemon, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	d := &Daemon{cfg: cfg, log: cfg.Logger, registry: prometheus.NewRegistry()}
	d.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	bufBytes, err := cfg.bufferBytes()
	if err != nil {
		return nil, err
	}
	if d.up, err = newUpstream(ctx, cfg); err != nil {
		return nil, err
	}
	if err := d.open(bufBytes); err != nil {
		d.closeAll()
		return nil, err
	}
	return d, nil
}

// open starts the forwarder and binds both sockets.
func (d *Daemon) open(bufBytes int64) (err error) {
	cfg := d.cfg
	if cfg.ResourceARN != "" {
		// The X-Ray daemon puts it in PutTelemetryRecords, which Lightbox
		// does not send.
		d.log.Info("resource ARN noted; telemetry records are not sent", "resource_arn", cfg.ResourceARN)
	}
	d.fwd, err = forward.New(forward.Options{
		Endpoint:      d.up.url.String(),
		HTTPClient:    &http.Client{Transport: d.up.transport},
		Credentials:   d.up.creds,
		Region:        d.up.region,
		BufferBytes:   bufBytes,
		SpoolDir:      cfg.SpoolDir,
		SpoolBytes:    int64(cfg.SpoolMB) << 20,
		Concurrency:   cfg.Concurrency,
		FlushInterval: cfg.FlushInterval,
		RetryBase:     cfg.RetryBase,
		RetryMax:      cfg.RetryMax,
		Logger:        d.log.With("component", "forward"),
		Registerer:    d.registry,
	})
	if err != nil {
		return err
	}
	d.udp, err = d.fwd.Listen(forward.ReceiverOptions{
		Addr:       cfg.UDPAddr,
		Logger:     d.log.With("component", "udp"),
		Registerer: d.registry,
	})
	if err != nil {
		return fmt.Errorf("cannot listen for segments on udp %s: %w", cfg.UDPAddr, err)
	}
	if d.tcp, err = net.Listen("tcp", cfg.TCPAddr); err != nil {
		return fmt.Errorf("cannot listen on tcp %s: %w", cfg.TCPAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", d.serveHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.registry, promhttp.HandlerOpts{Registry: d.registry}))
	mux.Handle("/", newProxy(d.up, d.log.With("component", "proxy")))
	d.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return nil
}

// Start reads datagrams and serves TCP in the background.
func (d *Daemon) Start() {
	d.udp.Start()
	go func() {
		if err := d.http.Serve(d.tcp); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("tcp server stopped", "err", err)
		}
	}()
	d.ready.Store(true)
	d.log.Info("lightbox daemon is running", "udp", d.UDPAddr().String(), "tcp", d.TCPAddr().String(),
		"upstream", d.up.url.String(), "region", d.up.region, "signed", d.up.sign,
		"buffer_bytes", d.fwd.Stats().BufferBytes, "concurrency", d.cfg.Concurrency, "spool", d.cfg.SpoolDir)
}

// UDPAddr is the bound segment address.
func (d *Daemon) UDPAddr() net.Addr { return d.udp.LocalAddr() }

// TCPAddr is the bound proxy address.
func (d *Daemon) TCPAddr() net.Addr { return d.tcp.Addr() }

// Registry exposes the metrics registry.
func (d *Daemon) Registry() *prometheus.Registry { return d.registry }

// Stats are the forwarder's figures.
func (d *Daemon) Stats() forward.Stats { return d.fwd.Stats() }

// Shutdown stops reading, uploads everything accepted, and stops the TCP
// side, all within ctx; what cannot be uploaded in time is dropped and
// counted (reason "shutdown").
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.ready.Store(false)
	var errs []error
	if err := d.udp.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := d.fwd.Close(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := d.http.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("cannot stop tcp server: %w", err))
	}
	// Shutdown closes the listener only if Serve ran (Start was called).
	d.tcp.Close()
	return errors.Join(errs...)
}

func (d *Daemon) closeAll() {
	if d.tcp != nil {
		d.tcp.Close()
	}
	if d.udp != nil {
		d.udp.Shutdown(context.Background())
	}
	if d.fwd != nil {
		d.fwd.Close(context.Background())
	}
}
