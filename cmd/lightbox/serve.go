package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/daemonaddr"
	"github.com/lightbox-tracing/lightbox/internal/server"
)

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	udp := fs.String("bind", "", "UDP address for segments (default 127.0.0.1:2000, or AWS_XRAY_DAEMON_ADDRESS)")
	tcp := fs.String("bind-tcp", "", "TCP address for the X-Ray API, /healthz and /metrics (default 127.0.0.1:2000, or AWS_XRAY_DAEMON_ADDRESS)")
	dataDir := fs.String("data-dir", server.DefaultDataDir, "directory of the embedded store")
	retention := fs.Duration("retention", server.DefaultRetention, "how long traces are kept (e.g. 720h)")
	otlpGRPC := fs.String("otlp-grpc", server.DefaultOTLPGRPCAddr, "address for OTLP/gRPC traces, or off")
	otlpHTTP := fs.String("otlp-http", server.DefaultOTLPHTTPAddr, "address for OTLP/HTTP traces (POST /v1/traces), or off")
	otlpAnnotations := fs.String("otlp-annotations", "", "comma-separated OTLP span attributes (otel.resource.<key> for resource ones) to make annotations, besides those a span lists in aws.xray.annotations; * for all")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	storage := fs.String("storage", server.StorageLocal, "storage engine: local (embedded, in --data-dir) or clickhouse (stateless nodes sharing ClickHouse)")
	chURL := fs.String("clickhouse-url", "", "ClickHouse HTTP interface for --storage clickhouse, e.g. http://127.0.0.1:8123/")
	chDB := fs.String("clickhouse-database", "lightbox", "ClickHouse database for --storage clickhouse (created if missing)")
	chCluster := fs.String("clickhouse-cluster", "", "ClickHouse cluster to create sharded, replicated tables on (ON CLUSTER; needs ZooKeeper)")
	withDemo := fs.Bool("demo", false, "also run the ImageTrends demo application and its simulated users in this process, sending to this server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg := server.Config{UDPAddr: *udp, TCPAddr: *tcp, DataDir: *dataDir, Retention: *retention, Logger: logger,
		OTLPGRPCAddr: *otlpGRPC, OTLPHTTPAddr: *otlpHTTP, OTLPAnnotations: splitList(*otlpAnnotations), Storage: *storage,
		ClickHouse: server.ClickHouseConfig{URL: *chURL, Database: *chDB, Cluster: *chCluster}}
	// Flags win over the environment, which wins over the defaults.
	if env := os.Getenv("AWS_XRAY_DAEMON_ADDRESS"); env != "" {
		u, t, err := daemonaddr.Parse(env)
		if err != nil {
			return err
		}
		if cfg.UDPAddr == "" {
			cfg.UDPAddr = u
		}
		if cfg.TCPAddr == "" {
			cfg.TCPAddr = t
		}
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	srv.Start()
	if *withDemo {
		if err := runDemoAgainst(ctx, srv, logger); err != nil {
			logger.Error("demo stopped", "err", err)
		}
	}
	<-ctx.Done()
	logger.Info("shutting down: flushing accepted segments")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
