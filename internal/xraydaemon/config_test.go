package xraydaemon

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noDefaultFiles keeps a host's /etc/amazon/xray/cfg.yaml out of a test.
func noDefaultFiles(t *testing.T) {
	old := DefaultConfigPaths
	DefaultConfigPaths = nil
	t.Cleanup(func() { DefaultConfigPaths = old })
}

func TestParseArgs(t *testing.T) {
	noDefaultFiles(t)
	full := Config{
		UDPAddr: "0.0.0.0:3000", TCPAddr: "0.0.0.0:3001", BufferMB: 24, Concurrency: 4,
		Region: "eu-west-1", Endpoint: "http://lightbox.internal:2000",
		ResourceARN: "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc", RoleARN: "arn:aws:iam::123456789012:role/xray",
		Profile: "tracing", LocalMode: true, NoVerifySSL: true, ProxyAddress: "http://proxy.internal:3128",
		LogLevel: "warn", LogPath: "/var/log/xray/xray.log", SpoolMB: DefaultSpoolMB,
	}
	f := func(name string, args []string, env string, want Config) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			got, err := ParseArgs(args, func(k string) string {
				if k == "AWS_XRAY_DAEMON_ADDRESS" {
					return env
				}
				return ""
			}, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
	def := DefaultConfig()
	with := func(c Config, mod func(*Config)) Config { mod(&c); return c }

	f("defaults", nil, "", def)
	f("short flags", []string{"-b", "0.0.0.0:2100", "-t", "0.0.0.0:2101", "-n", "us-west-2", "-m", "12", "-o",
		"-a", "arn:r", "-r", "arn:role", "-l", "debug", "-f", "/tmp/x.log", "-p", "http://p:1", "-e", "http://lb:2000"}, "",
		with(def, func(c *Config) {
			c.UDPAddr, c.TCPAddr, c.Region, c.BufferMB, c.LocalMode = "0.0.0.0:2100", "0.0.0.0:2101", "us-west-2", 12, true
			c.ResourceARN, c.RoleARN, c.LogLevel, c.LogPath, c.ProxyAddress, c.Endpoint = "arn:r", "arn:role", "debug", "/tmp/x.log", "http://p:1", "http://lb:2000"
		}))
	f("long flags with two dashes", []string{"--bind=0.0.0.0:2100", "--bind-tcp", "0.0.0.0:2101", "--region", "us-west-2",
		"--buffer-memory", "12", "--local-mode", "--resource-arn", "arn:r", "--role-arn", "arn:role", "--log-level", "debug",
		"--log-file", "/tmp/x.log", "--proxy-address", "http://p:1", "--endpoint", "http://lb:2000", "--no-sign", "--concurrency", "16"}, "",
		with(def, func(c *Config) {
			c.UDPAddr, c.TCPAddr, c.Region, c.BufferMB, c.LocalMode = "0.0.0.0:2100", "0.0.0.0:2101", "us-west-2", 12, true
			c.ResourceARN, c.RoleARN, c.LogLevel, c.LogPath, c.ProxyAddress, c.Endpoint = "arn:r", "arn:role", "debug", "/tmp/x.log", "http://p:1", "http://lb:2000"
			c.NoSign, c.Concurrency = true, 16
		}))
	f("config file sets every key", []string{"-c", "testdata/cfg.yaml"}, "", full)
	f("flags override the file", []string{"--config", "testdata/cfg.yaml", "-b", "127.0.0.1:9", "-l", "error", "-m", "5"}, "",
		with(full, func(c *Config) { c.UDPAddr, c.LogLevel, c.BufferMB = "127.0.0.1:9", "error", 5 }))
	f("lightbox section", []string{"-c", "testdata/lightbox.yaml"}, "",
		with(def, func(c *Config) {
			c.NoSign, c.SpoolDir, c.SpoolMB, c.Endpoint = true, "/var/spool/lightbox", 256, "http://lightbox:2000"
		}))
	f("spool flags", []string{"--spool-dir", "/tmp/spool", "--spool-size", "64"}, "",
		with(def, func(c *Config) { c.SpoolDir, c.SpoolMB = "/tmp/spool", 64 }))
	f("env sets both addresses", nil, "10.0.0.1:2000", with(def, func(c *Config) { c.UDPAddr, c.TCPAddr = "10.0.0.1:2000", "10.0.0.1:2000" }))
	f("env with two protocols over the file", []string{"-c", "testdata/cfg.yaml"}, "tcp:10.0.0.1:2001 udp:10.0.0.1:2002",
		with(full, func(c *Config) { c.UDPAddr, c.TCPAddr = "10.0.0.1:2002", "10.0.0.1:2001" }))
	f("flag over env", []string{"-t", "127.0.0.1:7"}, "10.0.0.1:2000",
		with(def, func(c *Config) { c.UDPAddr, c.TCPAddr = "10.0.0.1:2000", "127.0.0.1:7" }))
}

func TestParseArgsFindsDefaultConfigFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cfg.yaml")
	if err := os.WriteFile(p, []byte("Version: 2\nRegion: ap-south-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := DefaultConfigPaths
	DefaultConfigPaths = []string{filepath.Join(dir, "missing.yaml"), p}
	t.Cleanup(func() { DefaultConfigPaths = old })
	c, err := ParseArgs(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Region != "ap-south-1" {
		t.Errorf("region %q, want the default file's ap-south-1", c.Region)
	}
}

func TestParseArgsErrors(t *testing.T) {
	noDefaultFiles(t)
	f := func(name, yaml string, args []string, wantErr string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			if yaml != "" {
				p := filepath.Join(t.TempDir(), "cfg.yaml")
				if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append([]string{"-c", p}, args...)
			}
			_, err := ParseArgs(args, func(string) string { return "" }, io.Discard)
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Errorf("error %v, want one containing %q", err, wantErr)
			}
		})
	}
	f("unknown key", "Version: 2\nRegoin: us-east-1\n", nil, "Regoin")
	f("missing version", "Region: us-east-1\n", nil, "Version is 0")
	f("version 3", "Version: 3\n", nil, "Version is 3")
	f("bad yaml", "Version: [2\n", nil, "cannot parse configuration")
	f("unknown log level", "", []string{"-l", "loud"}, "unknown log level")
	f("stray argument", "", []string{"serve"}, "unexpected arguments")
	f("missing file", "", []string{"-c", "/nonexistent/cfg.yaml"}, "cannot read configuration")
	f("zero concurrency", "", []string{"--concurrency", "0"}, "concurrency")
	f("zero spool size", "", []string{"--spool-dir", "/tmp/s", "--spool-size", "0"}, "spool size")
}

func TestBufferBytes(t *testing.T) {
	if b, err := (Config{BufferMB: 3}).bufferBytes(); err != nil || b != 3<<20 {
		t.Errorf("3 MB: %d, %v", b, err)
	}
	if _, err := (Config{BufferMB: 2}).bufferBytes(); err == nil {
		t.Error("2 MB accepted, below the X-Ray daemon's minimum of 3")
	}
	b, err := (Config{}).bufferBytes()
	if err != nil {
		t.Fatal(err)
	}
	mem, err := hostMemoryBytes()
	if err != nil {
		t.Fatal(err)
	}
	if want := max(int64(MinBufferMB)<<20, mem/100/(1<<20)<<20); b != want {
		t.Errorf("default buffer %d bytes, want 1%% of %d = %d", b, mem, want)
	}
}

func TestSlogLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"dev": slog.LevelDebug, "debug": slog.LevelDebug, "info": slog.LevelInfo,
		"prod": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError, "WARN": slog.LevelWarn} {
		if got, err := SlogLevel(in); err != nil || got != want {
			t.Errorf("SlogLevel(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}
