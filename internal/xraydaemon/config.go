package xraydaemon

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultAddr is the X-Ray daemon's UDP and TCP address.
const DefaultAddr = "127.0.0.1:2000"

// DefaultConcurrency is the X-Ray daemon's number of concurrent uploads.
const DefaultConcurrency = 8

// MinBufferMB is the X-Ray daemon's smallest buffer.
const MinBufferMB = 3

// DefaultConfigPaths are where the X-Ray daemon looks for its YAML file
// when -c is not given; the first that exists is read.
var DefaultConfigPaths = []string{"/etc/amazon/xray/cfg.yaml", "cfg.yaml"}

// Config is the resolved configuration of a Daemon.
type Config struct {
	UDPAddr string // -b, --bind; Socket.UDPAddress
	TCPAddr string // -t, --bind-tcp; Socket.TCPAddress

	// BufferMB bounds the documents waiting for upload (-m,
	// --buffer-memory; TotalBufferSizeMB). 0 means 1 % of host memory,
	// at least MinBufferMB, as in the X-Ray daemon.
	BufferMB    int
	Concurrency int // Concurrency

	Region       string // -n, --region; Region
	Endpoint     string // -e, --endpoint (Lightbox); Endpoint
	ResourceARN  string // -a, --resource-arn; ResourceARN
	RoleARN      string // -r, --role-arn; RoleARN
	Profile      string // Profile
	LocalMode    bool   // -o, --local-mode; LocalMode
	NoVerifySSL  bool   // NoVerifySSL
	ProxyAddress string // -p, --proxy-address; ProxyAddress
	LogLevel     string // -l, --log-level; Logging.LogLevel
	LogPath      string // -f, --log-file; Logging.LogPath

	// NoSign sends requests unsigned (--no-sign; Lightbox.NoSign), for a
	// Lightbox endpoint that does not check signatures. Without it,
	// requests to AWS are signed, and requests to another endpoint are
	// signed when the credential chain yields credentials.
	NoSign bool

	// SpoolDir, when set, keeps documents that do not fit in the buffer
	// on disk, up to SpoolMB, and replays them in order when the upstream
	// catches up, also after a restart (--spool-dir, --spool-size;
	// Lightbox.SpoolDir, Lightbox.SpoolSizeMB).
	SpoolDir string
	SpoolMB  int

	// Tuning that is not configurable from the command line; tests
	// shorten it. Zero values mean the forwarder's defaults.
	FlushInterval time.Duration
	RetryBase     time.Duration
	RetryMax      time.Duration

	// Logger receives the daemon's logs; slog.Default() when nil.
	Logger *slog.Logger
}

// fileConfig is the X-Ray daemon's YAML file (versions 1 and 2), plus a
// Lightbox section for what the X-Ray daemon has no key for.
type fileConfig struct {
	Version           int    `yaml:"Version"`
	TotalBufferSizeMB int    `yaml:"TotalBufferSizeMB"`
	Concurrency       int    `yaml:"Concurrency"`
	Endpoint          string `yaml:"Endpoint"`
	Region            string `yaml:"Region"`
	Socket            struct {
		UDPAddress string `yaml:"UDPAddress"`
		TCPAddress string `yaml:"TCPAddress"`
	} `yaml:"Socket"`
	// ProxyServer is accepted for compatibility; like the X-Ray daemon
	// (which overrides it with its defaults) Lightbox ignores it.
	ProxyServer struct {
		IdleConnTimeout     int `yaml:"IdleConnTimeout"`
		MaxIdleConnsPerHost int `yaml:"MaxIdleConnsPerHost"`
		MaxIdleConns        int `yaml:"MaxIdleConns"`
	} `yaml:"ProxyServer"`
	Logging struct {
		LogRotation *bool  `yaml:"LogRotation"` // accepted; Lightbox never rotates
		LogLevel    string `yaml:"LogLevel"`
		LogPath     string `yaml:"LogPath"`
	} `yaml:"Logging"`
	LocalMode    *bool  `yaml:"LocalMode"`
	ResourceARN  string `yaml:"ResourceARN"`
	RoleARN      string `yaml:"RoleARN"`
	Profile      string `yaml:"Profile"`
	NoVerifySSL  *bool  `yaml:"NoVerifySSL"`
	ProxyAddress string `yaml:"ProxyAddress"`
	Lightbox     struct {
		NoSign      *bool  `yaml:"NoSign"`
		SpoolDir    string `yaml:"SpoolDir"`
		SpoolSizeMB int    `yaml:"SpoolSizeMB"`
	} `yaml:"Lightbox"`
}

// DefaultConfig is the X-Ray daemon's configuration without a file.
func DefaultConfig() Config {
	return Config{UDPAddr: DefaultAddr, TCPAddr: DefaultAddr, Concurrency: DefaultConcurrency, LogLevel: "prod", SpoolMB: DefaultSpoolMB}
}

// DefaultSpoolMB bounds the spool when only its directory is given.
const DefaultSpoolMB = 1024

// parseFile decodes a YAML file strictly: an unknown key is an error, as
// in the X-Ray daemon, so that a typo does not silently become a default.
func parseFile(b []byte) (fileConfig, error) {
	var fc fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return fc, fmt.Errorf("cannot parse configuration: %w", err)
	}
	if fc.Version != 1 && fc.Version != 2 {
		return fc, fmt.Errorf("cannot use configuration: Version is %d; the X-Ray daemon's format has Version 1 or 2", fc.Version)
	}
	return fc, nil
}

// apply copies the keys the file sets over c.
func (fc fileConfig) apply(c *Config) {
	setS := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	setB := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	setS(&c.UDPAddr, fc.Socket.UDPAddress)
	setS(&c.TCPAddr, fc.Socket.TCPAddress)
	if fc.TotalBufferSizeMB != 0 {
		c.BufferMB = fc.TotalBufferSizeMB
	}
	if fc.Concurrency != 0 {
		c.Concurrency = fc.Concurrency
	}
	setS(&c.Endpoint, fc.Endpoint)
	setS(&c.Region, fc.Region)
	setS(&c.ResourceARN, fc.ResourceARN)
	setS(&c.RoleARN, fc.RoleARN)
	setS(&c.Profile, fc.Profile)
	setS(&c.ProxyAddress, fc.ProxyAddress)
	setS(&c.LogLevel, fc.Logging.LogLevel)
	setS(&c.LogPath, fc.Logging.LogPath)
	setB(&c.LocalMode, fc.LocalMode)
	setB(&c.NoVerifySSL, fc.NoVerifySSL)
	setB(&c.NoSign, fc.Lightbox.NoSign)
	setS(&c.SpoolDir, fc.Lightbox.SpoolDir)
	if fc.Lightbox.SpoolSizeMB != 0 {
		c.SpoolMB = fc.Lightbox.SpoolSizeMB
	}
}

// SlogLevel maps the X-Ray daemon's log levels (dev, debug, info, warn,
// error, prod) to slog's; prod, its default, logs like info.
func SlogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "dev", "debug":
		return slog.LevelDebug, nil
	case "info", "prod", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q (want dev, debug, info, warn, error or prod)", s)
}

// bufferBytes resolves BufferMB: 0 is 1 % of the host's memory.
func (c Config) bufferBytes() (int64, error) {
	mb := c.BufferMB
	if mb == 0 {
		total, err := hostMemoryBytes()
		if err != nil {
			return 0, fmt.Errorf("cannot size the buffer from host memory (set --buffer-memory): %w", err)
		}
		mb = max(MinBufferMB, int(total/100/(1<<20)))
	}
	if mb < MinBufferMB {
		return 0, fmt.Errorf("buffer memory %d MB is below the minimum of %d MB", mb, MinBufferMB)
	}
	return int64(mb) << 20, nil
}

func hostMemoryBytes() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("cannot parse MemTotal %q: %w", fields[1], err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no MemTotal in /proc/meminfo")
}
