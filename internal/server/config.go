package server

import (
	"log/slog"
	"time"
)

// Config is everything a Server needs. The zero value of each field means
// its default (see withDefaults).
type Config struct {
	// UDPAddr receives segment datagrams (X-Ray daemon protocol).
	UDPAddr string
	// TCPAddr serves the X-Ray API, /healthz and /metrics.
	TCPAddr string
	// DataDir holds the embedded store.
	DataDir string
	// Retention is how long traces are kept.
	Retention time.Duration
	// UDPReadBuffer is the socket receive buffer requested for UDPAddr.
	UDPReadBuffer int
	// OTLPGRPCAddr and OTLPHTTPAddr receive OpenTelemetry traces (OTLP/gRPC
	// and OTLP/HTTP). Unlike the other fields, "" (or "off") disables a
	// receiver, so that a Config built in code opens no fixed port;
	// lightbox serve passes DefaultOTLPGRPCAddr and DefaultOTLPHTTPAddr.
	OTLPGRPCAddr, OTLPHTTPAddr string
	// OTLPAnnotations are span and resource attributes ("otel.resource."
	// prefix) that become annotations on top of those a span lists in
	// aws.xray.annotations; "*" makes every scalar attribute one.
	OTLPAnnotations []string
	// Logger receives the server's logs.
	Logger *slog.Logger
	// Storage chooses the engine: StorageLocal (default: the embedded
	// store in DataDir) or StorageClickHouse (stateless nodes over a
	// shared ClickHouse, configured by ClickHouse).
	Storage string
	// ClickHouse configures the clickhouse engine.
	ClickHouse ClickHouseConfig
}

// Storage engines.
const (
	StorageLocal      = "local"
	StorageClickHouse = "clickhouse"
)

// ClickHouseConfig configures the clickhouse engine (see
// docs/design/clickhouse.md).
type ClickHouseConfig struct {
	// URL is ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123/.
	URL string
	// Database holds Lightbox's tables (default "lightbox").
	Database string
	// Cluster, when set, names the ClickHouse cluster to create sharded,
	// replicated tables on (ON CLUSTER; needs ZooKeeper).
	Cluster string
	// AssembleDelay is how long a trace waits after a write before it is
	// summarized (default 1 s).
	AssembleDelay time.Duration
}

// Defaults, as in the X-Ray daemon: loopback only, port 2000 for both.
const (
	DefaultAddr      = "127.0.0.1:2000"
	DefaultDataDir   = "lightbox-data"
	DefaultRetention = 30 * 24 * time.Hour
	// The OpenTelemetry Collector's ports, on loopback.
	DefaultOTLPGRPCAddr = "127.0.0.1:4317"
	DefaultOTLPHTTPAddr = "127.0.0.1:4318"
)

func (c Config) withDefaults() Config {
	if c.UDPAddr == "" {
		c.UDPAddr = DefaultAddr
	}
	if c.TCPAddr == "" {
		c.TCPAddr = DefaultAddr
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
