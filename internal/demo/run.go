package demo

import (
	"context"
	"fmt"
	"io"
	"time"
)

// RunOptions is everything Run needs.
type RunOptions struct {
	Config  Config
	Traffic TrafficConfig
	// APIURL is the Lightbox the segments go to (its X-Ray API and
	// console), for the welcome text; empty if unknown.
	APIURL string
	// Out receives the welcome text (and Traffic.Progress defaults to it).
	Out io.Writer
}

// Run starts ImageTrends, prints where to look, and generates traffic until
// ctx is done; then it stops everything. A Rate below zero means no
// traffic: the application only serves whoever opens it.
func Run(ctx context.Context, o RunOptions) (err error) {
	if o.Config.Users == 0 {
		o.Config.Users = UsersFor(o.Traffic.withDefaults().Rate)
	}
	d, err := New(o.Config)
	if err != nil {
		return err
	}
	d.Start()
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if cerr := d.Close(shutdownCtx); err == nil {
			err = cerr
		}
	}()
	if o.Traffic.Progress == nil {
		o.Traffic.Progress = o.Out
	}
	WriteWelcome(o.Out, d.URL(), o.APIURL, o.Traffic.withDefaults().Rate)
	if o.Traffic.Rate < 0 {
		<-ctx.Done()
		return nil
	}
	_, err = d.RunTraffic(ctx, o.Traffic)
	return err
}

// WriteWelcome tells a newcomer what to open and what to try.
func WriteWelcome(w io.Writer, appURL, apiURL string, rate float64) {
	if w == nil {
		return
	}
	fmt.Fprintf(w, "\nImageTrends is running and sending traces%s.\n\n", map[bool]string{true: " to " + apiURL, false: ""}[apiURL != ""])
	fmt.Fprintf(w, "  App:      %s/   (log in as %s / %s)\n", appURL, AdminAccount.Email, AdminAccount.Password)
	if apiURL != "" {
		fmt.Fprintf(w, "  Lightbox: %s/\n", apiURL)
	}
	if rate > 0 {
		fmt.Fprintf(w, "\nSimulated users send about %g requests/s; the service map fills within 30 s.\n", rate)
	}
	if apiURL == "" {
		return
	}
	fmt.Fprintf(w, "Ask the X-Ray API with the AWS CLI (any credentials and region will do):\n\n")
	fmt.Fprintf(w, "  aws xray get-service-graph --endpoint-url %s --start-time $(($(date +%%s)-600)) --end-time $(date +%%s)\n", apiURL)
	fmt.Fprintf(w, "  aws xray get-trace-summaries --endpoint-url %s --start-time $(($(date +%%s)-600)) --end-time $(date +%%s) \\\n", apiURL)
	fmt.Fprintf(w, "      --filter-expression 'service(\"Rekognition\") { throttle }'\n\n")
}

// UsersFor is how many simulated users a rate needs: each has one request
// in flight at a time, and a request can wait on Rekognition for seconds.
func UsersFor(rate float64) int {
	return int(max(DefaultUsers, min(5000, rate/2)))
}
