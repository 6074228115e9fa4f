package loadgen

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// StepReport is the outcome of Step: one Report per rate tried.
type StepReport struct {
	Steps []Report
	// MaxLossless is the highest rate that was lossless (Report.Lossless),
	// or 0 when none was.
	MaxLossless float64
}

// String is the step table as the CLI prints it.
func (s StepReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%10s %10s %10s %10s %8s %9s  %s\n", "target/s", "sent/s", "sent", "stored", "loss %", "rcvbuf", "verdict")
	for _, r := range s.Steps {
		verdict := "lossless"
		if !r.Lossless() {
			verdict = "LOSS"
			if r.Lost == 0 {
				verdict = "sender fell behind"
			}
		}
		fmt.Fprintf(&b, "%10.0f %10.0f %10d %10d %8.3f %9d  %s\n", r.Rate, r.AchievedRate(), r.Sent, r.Stored, r.LossPercent(), r.RcvbufErrors, verdict)
	}
	if s.MaxLossless > 0 {
		fmt.Fprintf(&b, "highest lossless rate: %.0f documents/s\n", s.MaxLossless)
	} else {
		b.WriteString("no rate was lossless\n")
	}
	return b.String()
}

// Step runs base at each rate, in increasing order, for base.Duration each,
// and stops after the first rate that is not lossless. Each step uses its
// own seed so that steps never send the same trace IDs.
func Step(ctx context.Context, base Options, rates []float64) (StepReport, error) {
	if base.SkipVerify {
		return StepReport{}, fmt.Errorf("cannot step rates without verifying what was stored")
	}
	rates = slices.Sorted(slices.Values(rates))
	var out StepReport
	for i, rate := range rates {
		opts := base
		opts.Rate = rate
		if base.Seed != 0 {
			opts.Seed = base.Seed + uint64(i)
		}
		r, err := Run(ctx, opts)
		if err != nil {
			return out, fmt.Errorf("cannot run step at %.0f/s: %w", rate, err)
		}
		out.Steps = append(out.Steps, r)
		if !r.Lossless() {
			break
		}
		out.MaxLossless = rate
		// Let the server finish background work before the next step.
		if i < len(rates)-1 {
			wait(ctx, 2*time.Second)
		}
	}
	return out, ctx.Err()
}

// ParseRates reads a comma-separated list of rates such as
// "10k,20k,25000,0.1M" (k = thousand, M = million), for the CLI.
func ParseRates(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		mult := 1.0
		switch {
		case strings.HasSuffix(f, "k"), strings.HasSuffix(f, "K"):
			mult, f = 1e3, f[:len(f)-1]
		case strings.HasSuffix(f, "M"):
			mult, f = 1e6, f[:len(f)-1]
		}
		r, err := strconv.ParseFloat(f, 64)
		if err != nil || r <= 0 || math.IsInf(r, 0) {
			return nil, fmt.Errorf("cannot parse rate %q: want a positive number, optionally with k or M", f)
		}
		out = append(out, r*mult)
	}
	return out, nil
}
