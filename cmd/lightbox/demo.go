package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/aws/aws-xray-sdk-go/xray"

	"github.com/lightbox-tracing/lightbox/internal/daemonaddr"
	"github.com/lightbox-tracing/lightbox/internal/demo"
	"github.com/lightbox-tracing/lightbox/internal/server"
)

func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	daemonAddr := fs.String("daemon-address", "", "where to send segments: a Lightbox's UDP host:port (default 127.0.0.1:2000, or AWS_XRAY_DAEMON_ADDRESS)")
	var o demo.RunOptions
	fs.StringVar(&o.Config.Listen, "listen", "127.0.0.1:0", "address of the ImageTrends web front end (port 0: any free port)")
	fs.StringVar(&o.Config.PostgresDSN, "postgres-dsn", "", "store users and photos in this PostgreSQL database instead of an embedded SQLite")
	fs.IntVar(&o.Config.Users, "users", 0, "simulated users (default 50, more at high rates)")
	fs.Float64Var(&o.Traffic.Rate, "rate", demo.DefaultRate, "requests per second the simulated users send (0: none, just serve the app)")
	duration := fs.Duration("duration", 0, "stop after this long (default: run until interrupted)")
	rates := addRateFlags(fs)
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger, err := newLogger(*logLevel)
	if err != nil {
		return err
	}
	o.Config.Logger = logger
	xray.SetLogger(demo.SDKLogger(logger)) // the SDK's logger is process-wide
	rates.apply(&o)
	if o.Traffic.Rate == 0 {
		o.Traffic.Rate = -1 // Run's "no traffic"
	}

	// The flag wins over the environment, which wins over the default, as
	// for the SDKs. The API usually shares the daemon's host and port.
	udp, tcp := *daemonAddr, *daemonAddr
	if udp == "" {
		udp, tcp = demo.DefaultDaemonAddr, demo.DefaultDaemonAddr
		if env := os.Getenv("AWS_XRAY_DAEMON_ADDRESS"); env != "" {
			if udp, tcp, err = daemonaddr.Parse(env); err != nil {
				return err
			}
		}
	}
	o.Config.DaemonAddr = udp
	o.APIURL = "http://" + tcp
	o.Out = os.Stdout
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	return demo.Run(ctx, o)
}

// rateFlags are the demo's knobs for trouble, shared by `lightbox demo`.
type rateFlags struct {
	throttle, s3Fault, loginFailure, slow *float64
}

func addRateFlags(fs *flag.FlagSet) rateFlags {
	return rateFlags{
		throttle:     fs.Float64("throttle-rate", demo.DefaultThrottleRate, "fraction of Rekognition calls throttled (429) at least once; some exhaust the SDK's retries"),
		s3Fault:      fs.Float64("s3-fault-rate", demo.DefaultS3FaultRate, "fraction of S3 calls answered with a 5xx at least once"),
		loginFailure: fs.Float64("login-failure-rate", demo.DefaultLoginFailureRate, "fraction of requests that are logins with a wrong password (401)"),
		slow:         fs.Float64("slow-rate", demo.DefaultSlowRate, "fraction of uploads that are large panoramas (the slow photo path)"),
	}
}

// apply copies the flags; 0 on the command line means "never", which the
// demo's configuration spells as a negative rate.
func (r rateFlags) apply(o *demo.RunOptions) {
	never := func(v float64) float64 {
		if v == 0 {
			return -1
		}
		return v
	}
	o.Config.ThrottleRate = never(*r.throttle)
	o.Config.S3FaultRate = never(*r.s3Fault)
	o.Traffic.LoginFailureRate = never(*r.loginFailure)
	o.Traffic.SlowRate = never(*r.slow)
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}

// runDemoAgainst runs the demo in-process against a started server, until
// ctx is done (`lightbox serve --demo`).
func runDemoAgainst(ctx context.Context, srv *server.Server, logger *slog.Logger) error {
	xray.SetLogger(demo.SDKLogger(logger.With("component", "demo")))
	return demo.Run(ctx, demo.RunOptions{
		Config: demo.Config{DaemonAddr: loopback(srv.UDPAddr()), Logger: logger.With("component", "demo")},
		APIURL: "http://" + loopback(srv.TCPAddr()),
		Out:    os.Stdout,
	})
}

// loopback is addr with an unspecified IP (0.0.0.0, ::) replaced by the
// loopback address, which is where this process can reach it.
func loopback(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
