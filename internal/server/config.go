package server

import (
	"fmt"
	"log/slog"
	"strings"
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

// ParseDaemonAddress reads AWS_XRAY_DAEMON_ADDRESS as the SDKs do: either
// "host:port" for both protocols, or "tcp:host:port udp:host:port" (either
// order).
func ParseDaemonAddress(v string) (udp, tcp string, err error) {
	v = strings.TrimSpace(v)
	fields := strings.Fields(v)
	switch len(fields) {
	case 1:
		if strings.HasPrefix(fields[0], "tcp:") || strings.HasPrefix(fields[0], "udp:") {
			return "", "", fmt.Errorf("AWS_XRAY_DAEMON_ADDRESS %q names only one protocol; give both tcp: and udp:", v)
		}
		return fields[0], fields[0], nil
	case 2:
		for _, f := range fields {
			switch {
			case strings.HasPrefix(f, "tcp:"):
				tcp = strings.TrimPrefix(f, "tcp:")
			case strings.HasPrefix(f, "udp:"):
				udp = strings.TrimPrefix(f, "udp:")
			}
		}
		if udp == "" || tcp == "" {
			return "", "", fmt.Errorf("AWS_XRAY_DAEMON_ADDRESS %q must be \"tcp:host:port udp:host:port\"", v)
		}
		return udp, tcp, nil
	default:
		return "", "", fmt.Errorf("AWS_XRAY_DAEMON_ADDRESS %q is neither \"host:port\" nor \"tcp:host:port udp:host:port\"", v)
	}
}
