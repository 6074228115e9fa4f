package loadgen

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
)

// Options configure a run. Only Rate is required.
type Options struct {
	// UDPAddr is where documents are sent (default 127.0.0.1:2000).
	UDPAddr string
	// APIURL is the X-Ray API endpoint the stored documents are read back
	// from with BatchGetTraces (default http://127.0.0.1:2000).
	APIURL string
	// Sink, when set, is where the documents are expected instead of
	// the API: the UDP receiver is a forwarder whose upstream is the
	// sink, and what arrived there is verified.
	Sink *Sink
	// SkipVerify sends without reading anything back; Stored and Lost are
	// then unknown (-1).
	SkipVerify bool

	// Rate is the target in documents (datagrams) per second.
	Rate float64
	// Duration is how long to send (default 10 s).
	Duration time.Duration
	// Shape says what the traces look like.
	Shape TraceShape
	// Seed makes the documents reproducible (the times and the trace-ID
	// epoch aside); 0 picks a random seed, reported in Report.Seed.
	Seed uint64

	// SettleTimeout bounds how long, after the last send, documents not
	// yet found are looked for again (default 30 s). The wait ends sooner
	// when everything is found, or when two rounds in a row, spanning at
	// least 3 s, find nothing new.
	SettleTimeout time.Duration
	// VerifyConcurrency is the number of concurrent BatchGetTraces calls
	// (default 4).
	VerifyConcurrency int

	// HTTPClient calls the API (default: a client with a 30 s timeout).
	HTTPClient *http.Client
	// Logger reports progress (default: discard).
	Logger *slog.Logger
}

// TraceShape is what the generated traces look like. Every trace has a
// front-end segment and a downstream segment; the rest is tunable.
type TraceShape struct {
	// Services is the number of front-end/downstream service pairs
	// (default 3).
	Services int
	// IndependentSubsegments is how many subsegments each trace sends as
	// documents of their own (default 1; negative for none). A trace is
	// 2 + IndependentSubsegments documents.
	IndependentSubsegments int
	// ErrorRate, FaultRate and ThrottleRate are the fractions of traces
	// that end in a 4xx error, a 5xx fault, or a throttled DynamoDB call
	// (defaults 0.03, 0.02 and 0.01; negative for none).
	ErrorRate, FaultRate, ThrottleRate float64
}

// Defaults for zero Options fields.
const (
	DefaultUDPAddr       = "127.0.0.1:2000"
	DefaultAPIURL        = "http://127.0.0.1:2000"
	DefaultDuration      = 10 * time.Second
	DefaultSettleTimeout = 30 * time.Second
)

// maxIndependent keeps a trace's documents countable in a uint8.
const maxIndependent = 64

func (o Options) withDefaults() (Options, error) {
	if o.Rate <= 0 {
		return o, errors.New("cannot run load: Rate must be positive")
	}
	if o.UDPAddr == "" {
		o.UDPAddr = DefaultUDPAddr
	}
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if o.Duration <= 0 {
		o.Duration = DefaultDuration
	}
	if o.Seed == 0 {
		o.Seed = rand.Uint64() | 1
	}
	if o.SettleTimeout <= 0 {
		o.SettleTimeout = DefaultSettleTimeout
	}
	if o.VerifyConcurrency <= 0 {
		o.VerifyConcurrency = 4
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Shape = o.Shape.withDefaults()
	return o, nil
}

func (s TraceShape) withDefaults() TraceShape {
	if s.Services <= 0 {
		s.Services = 3
	}
	switch {
	case s.IndependentSubsegments == 0:
		s.IndependentSubsegments = 1
	case s.IndependentSubsegments < 0:
		s.IndependentSubsegments = 0
	case s.IndependentSubsegments > maxIndependent:
		s.IndependentSubsegments = maxIndependent
	}
	rate := func(r *float64, def float64) {
		switch {
		case *r == 0:
			*r = def
		case *r < 0:
			*r = 0
		}
	}
	rate(&s.ErrorRate, 0.03)
	rate(&s.FaultRate, 0.02)
	rate(&s.ThrottleRate, 0.01)
	return s
}
