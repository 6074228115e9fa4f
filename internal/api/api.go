package api

import (
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lightbox-tracing/lightbox/internal/sampling"
	"github.com/lightbox-tracing/lightbox/internal/store"
)

// Defaults for Options left zero.
const (
	DefaultRegion       = "us-east-1"
	DefaultAccountID    = "000000000000"
	DefaultMaxWindow    = 24 * time.Hour
	DefaultMaxBodyBytes = 8 << 20 // 50 documents of 64 KiB, JSON-escaped, fit easily
)

// Options configures the API.
type Options struct {
	Reader store.Reader
	// Writer receives PutTraceSegments documents. When nil the operation
	// is refused (a read-only query node).
	Writer store.Writer
	Logger *slog.Logger
	// Registerer receives the API's metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
	// PathPrefix is prepended to every operation path, for clients whose
	// endpoint URL carries a path (http://host:2000/xray → /xray/Traces).
	PathPrefix string
	// Now is the clock (sampling target TTLs); time.Now when nil.
	Now func() time.Time
	// Region and AccountID appear in ARNs (sampling rules, groups).
	Region    string
	AccountID string
	// MaxWindow caps EndTime − StartTime of time-window queries. AWS's cap
	// is unpublished (reportedly 24 h); 24 h by default.
	MaxWindow time.Duration
	// MaxBodyBytes caps request bodies.
	MaxBodyBytes int64
	// Config keeps sampling rules, groups and tags. When nil, Reader is
	// used if it implements store.ConfigStore (the embedded engine does),
	// else they live in memory only.
	Config store.ConfigStore
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.AccountID == "" {
		o.AccountID = DefaultAccountID
	}
	if o.MaxWindow <= 0 {
		o.MaxWindow = DefaultMaxWindow
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	o.PathPrefix = strings.TrimRight(o.PathPrefix, "/")
	if o.PathPrefix != "" && !strings.HasPrefix(o.PathPrefix, "/") {
		o.PathPrefix = "/" + o.PathPrefix
	}
	return o
}

// API is the X-Ray API handler. It is safe for concurrent use.
type API struct {
	opts    Options
	log     *slog.Logger
	routes  map[string]operation
	metrics *metrics
	errLog  *logLimiter
	rules   *sampling.Manager
	groups  groupStore
	tags    tagStore
}

// New returns the API. Reader must be set.
func New(opts Options) *API {
	if opts.Reader == nil {
		panic("api.New: Options.Reader is nil")
	}
	opts = opts.withDefaults()
	a := &API{
		opts:    opts,
		log:     opts.Logger,
		metrics: newMetrics(opts.Registerer),
		errLog:  newLogLimiter(time.Second),
	}
	if opts.Config == nil {
		if cs, ok := opts.Reader.(store.ConfigStore); ok {
			opts.Config = cs
		} else {
			opts.Config = store.NewMemConfig()
		}
	}
	a.opts.Config = opts.Config
	a.rules = sampling.New(sampling.Options{Store: opts.Config, Now: opts.Now, Region: opts.Region, AccountID: opts.AccountID})
	a.groups = groupStore{cs: opts.Config, arnPrefix: "arn:aws:xray:" + opts.Region + ":" + opts.AccountID + ":group/"}
	a.tags = tagStore{cs: opts.Config}
	a.routes = a.routeTable()
	return a
}
