package forward

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for the zero values of Options; those of the X-Ray daemon.
const (
	DefaultMaxBatch      = 50
	DefaultFlushInterval = time.Second
	DefaultConcurrency   = 8
	DefaultBufferBytes   = 16 << 20
	DefaultRetryBase     = 100 * time.Millisecond
	DefaultRetryMax      = 10 * time.Second
)

// Options configure a Forwarder. Only Endpoint is required.
type Options struct {
	// Endpoint is the upstream's base URL: AWS X-Ray's
	// (https://xray.us-east-1.amazonaws.com) or a Lightbox's
	// (http://lightbox:2000). PutTraceSegments is POST /TraceSegments.
	Endpoint string

	// HTTPClient makes the calls (proxy, TLS settings); its Timeout
	// should be 0, RequestTimeout bounds each call. When nil, a client
	// keeping Concurrency+2 idle connections is used.
	HTTPClient *http.Client

	// Credentials sign each call with SigV4 for service "xray" in
	// Region; nil sends unsigned. Retrieve is called per call, so pass a
	// caching provider (aws.Config.Credentials is one).
	Credentials aws.CredentialsProvider
	Region      string // "us-east-1" when empty

	// BufferBytes bounds the documents held (waiting or being uploaded),
	// by the size of their JSON.
	BufferBytes int64

	// SpoolDir, when set, is a directory where documents that do not fit
	// in the buffer wait on disk, up to SpoolBytes, instead of being
	// dropped; they are replayed in order as the buffer drains, and what
	// is left at Close is replayed by the next run.
	SpoolDir   string
	SpoolBytes int64

	// MaxBatch is the most documents per PutTraceSegments call.
	MaxBatch int

	// FlushInterval is the longest a document waits for its batch to fill.
	FlushInterval time.Duration

	// Concurrency is the number of PutTraceSegments calls in progress at
	// once.
	Concurrency int

	// RequestTimeout bounds one PutTraceSegments call (10 s when 0).
	RequestTimeout time.Duration

	// RetryBase and RetryMax shape the backoff between attempts of a
	// batch: RetryBase doubled after each failure, capped at RetryMax.
	RetryBase, RetryMax time.Duration

	// Logger receives rate-limited reports; slog.Default() when nil.
	Logger *slog.Logger

	// Registerer receives the forwarder's metrics; none when nil.
	Registerer prometheus.Registerer
}

func (o Options) withDefaults() (Options, error) {
	if u, err := url.Parse(o.Endpoint); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return o, fmt.Errorf("cannot configure forwarder: endpoint %q is not an http(s) URL", o.Endpoint)
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.BufferBytes <= 0 {
		o.BufferBytes = DefaultBufferBytes
	}
	if o.SpoolDir != "" && o.SpoolBytes <= 0 {
		return o, errors.New("cannot configure forwarder: SpoolDir needs a positive SpoolBytes")
	}
	if o.MaxBatch <= 0 || o.MaxBatch > DefaultMaxBatch {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 10 * time.Second
	}
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultRetryBase
	}
	if o.RetryMax <= 0 {
		o.RetryMax = DefaultRetryMax
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}
