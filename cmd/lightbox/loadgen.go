package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/lightbox-tracing/lightbox/internal/loadgen"
)

func runLoadgen(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	var o loadgen.Options
	fs.StringVar(&o.UDPAddr, "udp", loadgen.DefaultUDPAddr, "UDP address to send segments to")
	fs.StringVar(&o.APIURL, "api", loadgen.DefaultAPIURL, "X-Ray API endpoint to verify stored documents through")
	fs.Float64Var(&o.Rate, "rate", 1000, "documents per second")
	fs.DurationVar(&o.Duration, "duration", loadgen.DefaultDuration, "how long to send at each rate")
	fs.BoolVar(&o.SkipVerify, "no-verify", false, "send only; do not read the documents back")
	fs.Uint64Var(&o.Seed, "seed", 0, "random seed (0: pick one)")
	fs.IntVar(&o.Shape.Services, "services", 0, "front-end/downstream service pairs (default 3)")
	steps := fs.String("step", "", "comma-separated rates to try in turn (e.g. 20k,30k,40k); reports the highest lossless one")
	verbose := fs.Bool("v", false, "log progress")
	sink := fs.String("sink", "", "serve a PutTraceSegments sink on this address and verify the documents a forwarder (lightbox daemon, the X-Ray daemon) delivers to it, instead of asking the API")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sink != "" {
		s, err := loadgen.NewSink(*sink)
		if err != nil {
			return err
		}
		defer s.Close()
		o.Sink = s
	}
	if *verbose {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if *steps == "" {
		rep, err := loadgen.Run(ctx, o)
		if err != nil {
			return err
		}
		fmt.Println(rep)
		if !o.SkipVerify && !rep.Lossless() {
			return fmt.Errorf("%d documents were lost", rep.Lost)
		}
		return nil
	}
	rates, err := loadgen.ParseRates(*steps)
	if err != nil {
		return fmt.Errorf("--step: %w", err)
	}
	rep, err := loadgen.Step(ctx, o, rates)
	if err != nil {
		return err
	}
	fmt.Println(rep)
	return nil
}
