package loadgen

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/udpsock"
)

// Report is what a run did and what the server kept of it.
type Report struct {
	Rate     float64       // target, documents per second
	Duration time.Duration // time spent sending
	Seed     uint64

	Traces     int // traces sent, the last one possibly in part
	Sent       int // documents (datagrams) sent
	SendErrors int // datagrams the local kernel refused to send

	// Stored and Lost count documents; both are -1 when not verified.
	Stored, Lost int
	// Settle is how long after the last send the last document was found,
	// or the time verification gave up.
	Settle time.Duration

	// RcvbufErrors is how much the host's UDP receive-buffer error counter
	// (/proc/net/snmp) grew during the run: datagrams the kernel dropped
	// because a socket buffer was full. -1 when it cannot be read.
	RcvbufErrors int64
}

// AchievedRate is the documents per second actually sent.
func (r Report) AchievedRate() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.Sent) / r.Duration.Seconds()
}

// LossPercent is Lost as a percentage of Sent, or NaN when not verified.
func (r Report) LossPercent() float64 {
	if r.Lost < 0 || r.Sent == 0 {
		return math.NaN()
	}
	return 100 * float64(r.Lost) / float64(r.Sent)
}

// Lossless says whether every document sent was stored and the sender kept
// within 2% of the target rate, so that the rate was really offered.
func (r Report) Lossless() bool {
	return r.Lost == 0 && r.SendErrors == 0 && r.AchievedRate() >= 0.98*r.Rate
}

// String is the report as the CLI prints it.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "target    %.0f documents/s for %s (seed %d)\n", r.Rate, r.Duration.Round(time.Millisecond), r.Seed)
	fmt.Fprintf(&b, "sent      %d documents in %d traces, %.0f/s achieved", r.Sent, r.Traces, r.AchievedRate())
	if r.SendErrors > 0 {
		fmt.Fprintf(&b, ", %d send errors", r.SendErrors)
	}
	b.WriteString("\n")
	if r.Lost >= 0 {
		fmt.Fprintf(&b, "stored    %d documents (last found %s after sending)\n", r.Stored, r.Settle.Round(time.Millisecond))
		fmt.Fprintf(&b, "lost      %d documents (%.3f%%)\n", r.Lost, r.LossPercent())
	} else {
		b.WriteString("stored    not verified\n")
	}
	if r.RcvbufErrors >= 0 {
		fmt.Fprintf(&b, "kernel    %d UDP receive-buffer errors on this host during the run\n", r.RcvbufErrors)
	}
	return b.String()
}

// Run sends Rate documents a second for Duration, then reads every trace
// back through the API and reports what was stored. It returns an error
// only when it could not do its job (no socket, API unreachable); lost
// documents are a result, not an error.
func Run(ctx context.Context, opts Options) (Report, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Report{}, err
	}
	gen, err := newGenerator(opts.Shape, opts.Seed)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Rate: opts.Rate, Seed: opts.Seed, Stored: -1, Lost: -1, RcvbufErrors: -1}
	var v checker
	switch {
	case opts.SkipVerify:
	case opts.Sink != nil:
		v = opts.Sink
	default:
		api := newVerifier(opts.APIURL, opts.HTTPClient)
		// Fail before sending anything if the API cannot be asked.
		if _, err := api.storedIDs(ctx, []string{"1-00000000-000000000000000000000001"}); err != nil {
			return rep, err
		}
		v = api
	}

	before, kernelErr := udpsock.ReadHostStats()
	total := int(math.Round(opts.Rate * opts.Duration.Seconds()))
	opts.Logger.Info("sending", "addr", opts.UDPAddr, "rate", opts.Rate, "duration", opts.Duration, "documents", total)
	res, err := send(ctx, opts.UDPAddr, gen, opts.Rate, total)
	rep.Sent, rep.SendErrors, rep.Duration, rep.Traces = res.sent, res.errors, res.elapsed, len(gen.traces)
	if err != nil {
		return rep, err
	}
	sentAt := time.Now()
	opts.Logger.Info("sent", "documents", rep.Sent, "rate", rep.AchievedRate(), "send_errors", rep.SendErrors)

	if kernelErr == nil {
		// The receiver drains its buffer within moments; overflow can only
		// happen while datagrams arrive.
		time.Sleep(100 * time.Millisecond)
		if after, err := udpsock.ReadHostStats(); err == nil {
			rep.RcvbufErrors = int64(after.RcvbufErrors - before.RcvbufErrors)
		}
	}
	if v == nil {
		return rep, nil
	}
	if err := settle(ctx, v, gen, opts, sentAt, &rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// checker finds the documents of pending traces (indexes in g.traces),
// updates their found counts and returns those still incomplete: through
// the API (verifier) or in a Sink.
type checker interface {
	check(ctx context.Context, g *generator, pending []int, concurrency int) ([]int, error)
}

// settle looks the traces up until every document is found, nothing new
// turns up twice in a row, or SettleTimeout passes.
func settle(ctx context.Context, v checker, gen *generator, opts Options, sentAt time.Time, rep *Report) error {
	pending := make([]int, len(gen.traces))
	for i := range pending {
		pending[i] = i
	}
	stored := func() int {
		n := 0
		for i := range gen.traces {
			n += int(gen.traces[i].found)
		}
		return n
	}
	// UDP documents are durable, and readable, within a second.
	wait(ctx, time.Second)
	// The wait ends when two rounds in a row, spanning at least
	// settleQuiet, found nothing new: a busy server may take a while.
	idle, lastProgress := 0, time.Now()
	for round := 1; ; round++ {
		before := stored()
		var err error
		if pending, err = v.check(ctx, gen, pending, opts.VerifyConcurrency); err != nil {
			return err
		}
		now := stored()
		if now > before {
			rep.Settle, idle, lastProgress = time.Since(sentAt), 0, time.Now()
		} else {
			idle++
		}
		rep.Stored, rep.Lost = now, rep.Sent-now
		opts.Logger.Info("verified", "round", round, "stored", now, "missing", rep.Lost, "incomplete_traces", len(pending))
		quiet := idle >= 2 && time.Since(lastProgress) >= settleQuiet
		if len(pending) == 0 || quiet || time.Since(sentAt) > opts.SettleTimeout {
			if len(pending) > 0 {
				rep.Settle = time.Since(sentAt)
			}
			return nil
		}
		wait(ctx, time.Second)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// settleQuiet is how long verification must find nothing new before it
// concludes that the missing documents are lost.
const settleQuiet = 3 * time.Second

func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
