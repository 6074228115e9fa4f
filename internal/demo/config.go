package demo

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/demo/fakeaws"
)

// Config is the application side of the demo. The zero value of each field
// means its default (see withDefaults).
type Config struct {
	// DaemonAddr is where segments are sent: the UDP host:port of a Lightbox
	// (or X-Ray daemon). Default 127.0.0.1:2000.
	DaemonAddr string
	// Listen is imagetrends' address, the one a person opens. Default
	// 127.0.0.1:0 (an ephemeral loopback port). The other services always
	// take ephemeral loopback ports.
	Listen string
	// PostgresDSN, when set, stores users and photos in PostgreSQL instead
	// of the embedded SQLite.
	PostgresDSN string
	// SQLitePath is the embedded database file. Default: a file in a fresh
	// temporary directory, removed by Close.
	SQLitePath string
	// Users is how many simulated users exist besides admin@admin.com.
	// Default 50.
	Users int
	// ThrottleRate is the fraction of Rekognition calls throttled (429) on
	// at least one attempt. Default 0.1; negative means never.
	ThrottleRate float64
	// S3FaultRate is the fraction of S3 calls answered with a 5xx on at
	// least one attempt. Default 0.03; negative means never.
	S3FaultRate float64
	// LatencyScale multiplies every simulated response time (S3,
	// Rekognition, the SDKs' retry back-off): 1 is life-like, tests use
	// less. Default 1.
	LatencyScale float64
	// Logger receives the demo's logs.
	Logger *slog.Logger
}

// Default rates, chosen so that a few requests per second show every kind
// of trouble within a minute without the map turning red.
const (
	DefaultThrottleRate = 0.1
	DefaultS3FaultRate  = 0.03
	DefaultUsers        = 50
	DefaultDaemonAddr   = "127.0.0.1:2000"
)

func (c Config) withDefaults() Config {
	if c.DaemonAddr == "" {
		c.DaemonAddr = DefaultDaemonAddr
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	if c.Users == 0 {
		c.Users = DefaultUsers
	}
	c.ThrottleRate = rateDefault(c.ThrottleRate, DefaultThrottleRate)
	c.S3FaultRate = rateDefault(c.S3FaultRate, DefaultS3FaultRate)
	if c.LatencyScale == 0 {
		c.LatencyScale = 1
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// rateDefault maps the zero value to def and negative values to 0.
func rateDefault(v, def float64) float64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

func (c Config) validate() error {
	for name, v := range map[string]float64{"throttle rate": c.ThrottleRate, "S3 fault rate": c.S3FaultRate} {
		if v > 1 {
			return fmt.Errorf("%s %v is not a fraction between 0 and 1", name, v)
		}
	}
	if c.Users < 1 || c.Users > 10000 {
		return fmt.Errorf("users %d is not between 1 and 10000", c.Users)
	}
	if c.LatencyScale < 0 {
		return fmt.Errorf("latency scale %v is negative", c.LatencyScale)
	}
	return nil
}

// Response times of the stand-ins, as seen from an application in the same
// region: S3 in tens of milliseconds, Rekognition in hundreds with a tail
// of seconds (the workshop's response-time root cause).
var (
	s3PutLatency       = fakeaws.Latency{Median: 28 * time.Millisecond, Sigma: 0.35, TailRate: 0.01, Tail: 300 * time.Millisecond}
	s3GetLatency       = fakeaws.Latency{Median: 12 * time.Millisecond, Sigma: 0.3, TailRate: 0.005, Tail: 200 * time.Millisecond}
	rekognitionLatency = fakeaws.Latency{Median: 320 * time.Millisecond, Sigma: 0.45, TailRate: 0.04, Tail: 2500 * time.Millisecond}
	rekognitionPerMP   = 500 * time.Millisecond // per million pixels: panoramas take seconds
	retryBackoff       = 80 * time.Millisecond
)
