package xraydaemon

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/lightbox-tracing/lightbox/internal/daemonaddr"
)

// ErrVersion is returned by ParseArgs for -v/--version.
var ErrVersion = errors.New("version requested")

// ParseArgs resolves a Config the way the X-Ray daemon does, with flags
// over AWS_XRAY_DAEMON_ADDRESS (which SDKs read too) over the YAML file
// (-c, else the first of DefaultConfigPaths that exists) over defaults.
// Each flag has the X-Ray daemon's short and long names; Go's flag package
// accepts either with one or two dashes. getenv is os.Getenv outside tests.
func ParseArgs(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	fs := flag.NewFlagSet("daemon", flag.ContinueOnError)
	fs.SetOutput(usage)
	var (
		c        Config
		bufMB    int
		conc     int
		cfgPath  string
		showVers bool
	)
	str := func(p *string, long, short, help string) {
		fs.StringVar(p, long, "", help)
		if short != "" {
			fs.StringVar(p, short, "", "shorthand for --"+long)
		}
	}
	boolean := func(p *bool, long, short, help string) {
		fs.BoolVar(p, long, false, help)
		if short != "" {
			fs.BoolVar(p, short, false, "shorthand for --"+long)
		}
	}
	str(&c.UDPAddr, "bind", "b", "UDP address for segments (default 127.0.0.1:2000)")
	str(&c.TCPAddr, "bind-tcp", "t", "TCP address of the proxy, /healthz and /metrics (default 127.0.0.1:2000)")
	str(&cfgPath, "config", "c", "YAML configuration file (X-Ray daemon format, Version 2)")
	str(&c.Region, "region", "n", "region of the X-Ray endpoint (default: the SDK's chain, then EC2 metadata)")
	str(&c.Endpoint, "endpoint", "e", "upstream URL: AWS X-Ray's or a Lightbox's, e.g. http://lightbox:2000")
	str(&c.ResourceARN, "resource-arn", "a", "ARN of the AWS resource running the daemon")
	str(&c.RoleARN, "role-arn", "r", "IAM role to assume to upload segments to another account")
	str(&c.LogPath, "log-file", "f", "write logs to this file instead of standard error")
	str(&c.LogLevel, "log-level", "l", "dev, debug, info, warn, error or prod (default prod)")
	str(&c.ProxyAddress, "proxy-address", "p", "HTTP proxy to reach the upstream through")
	fs.IntVar(&bufMB, "buffer-memory", 0, "MB of segments buffered while uploading (minimum 3; default 1% of host memory)")
	fs.IntVar(&bufMB, "m", 0, "shorthand for --buffer-memory")
	fs.IntVar(&conc, "concurrency", 0, "concurrent PutTraceSegments calls (default 8)")
	str(&c.SpoolDir, "spool-dir", "", "directory where segments wait on disk while the upstream is down or slow (default: none, drop when the buffer is full)")
	var spoolMB int
	fs.IntVar(&spoolMB, "spool-size", 0, "MB the spool may use (default 1024)")
	boolean(&c.LocalMode, "local-mode", "o", "do not look up the region in EC2 instance metadata")
	boolean(&c.NoVerifySSL, "no-verify-ssl", "", "do not verify the upstream's TLS certificate")
	boolean(&c.NoSign, "no-sign", "", "send to the endpoint unsigned (a Lightbox that does not check signatures)")
	boolean(&showVers, "version", "v", "print the version")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if showVers {
		return Config{}, ErrVersion
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	either := func(long, short string) bool { return set[long] || (short != "" && set[short]) }

	out := DefaultConfig()
	if cfgPath == "" {
		for _, p := range DefaultConfigPaths {
			if _, err := os.Stat(p); err == nil {
				cfgPath = p
				break
			}
		}
	}
	if cfgPath != "" {
		b, err := os.ReadFile(cfgPath)
		if err != nil {
			return Config{}, fmt.Errorf("cannot read configuration: %w", err)
		}
		fc, err := parseFile(b)
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", cfgPath, err)
		}
		fc.apply(&out)
	}
	if env := getenv("AWS_XRAY_DAEMON_ADDRESS"); env != "" {
		udp, tcp, err := daemonaddr.Parse(env)
		if err != nil {
			return Config{}, err
		}
		out.UDPAddr, out.TCPAddr = udp, tcp
	}
	for _, o := range []struct {
		long, short string
		dst         *string
		v           string
	}{
		{"bind", "b", &out.UDPAddr, c.UDPAddr},
		{"bind-tcp", "t", &out.TCPAddr, c.TCPAddr},
		{"region", "n", &out.Region, c.Region},
		{"endpoint", "e", &out.Endpoint, c.Endpoint},
		{"resource-arn", "a", &out.ResourceARN, c.ResourceARN},
		{"role-arn", "r", &out.RoleARN, c.RoleARN},
		{"log-file", "f", &out.LogPath, c.LogPath},
		{"log-level", "l", &out.LogLevel, c.LogLevel},
		{"proxy-address", "p", &out.ProxyAddress, c.ProxyAddress},
		{"spool-dir", "", &out.SpoolDir, c.SpoolDir},
	} {
		if either(o.long, o.short) {
			*o.dst = o.v
		}
	}
	for _, o := range []struct {
		long, short string
		dst         *bool
		v           bool
	}{
		{"local-mode", "o", &out.LocalMode, c.LocalMode},
		{"no-verify-ssl", "", &out.NoVerifySSL, c.NoVerifySSL},
		{"no-sign", "", &out.NoSign, c.NoSign},
	} {
		if either(o.long, o.short) {
			*o.dst = o.v
		}
	}
	if either("buffer-memory", "m") {
		out.BufferMB = bufMB
	}
	if set["concurrency"] {
		out.Concurrency = conc
	}
	if set["spool-size"] {
		out.SpoolMB = spoolMB
	}
	if out.SpoolDir != "" && out.SpoolMB <= 0 {
		return Config{}, fmt.Errorf("spool size %d MB must be positive", out.SpoolMB)
	}
	if _, err := SlogLevel(out.LogLevel); err != nil {
		return Config{}, err
	}
	if out.Concurrency <= 0 {
		return Config{}, fmt.Errorf("concurrency %d must be positive", out.Concurrency)
	}
	return out, nil
}
