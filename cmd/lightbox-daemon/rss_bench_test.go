//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/loadgen"
)

// maxRSSAt4000 is issue 7's bar: the X-Ray daemon's published 29.5 MB at
// 4,000 segments/s, rounded up.
const maxRSSAt4000 = 30 << 20

// BenchmarkRSSAt4000 builds lightbox-daemon, runs it forwarding to the
// load tool's sink, sends 4,000 documents/s for 5 s per iteration, checks
// that every document was delivered, and reports the process's peak RSS
// and CPU; it fails when the peak RSS passes 30 MB. A benchmark, not a
// test: the figures need a machine that is not saturated, and it takes
// seconds.
//
//	go test -run '^$' -bench RSSAt4000 -benchtime 3x ./cmd/lightbox-daemon
func BenchmarkRSSAt4000(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "lightbox-daemon")
	if out, err := exec.Command(goTool(b), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	sink, err := loadgen.NewSink("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sink.Close() })
	var peak, cpu float64
	var docs int
	for range b.N {
		addr := freePort(b)
		cmd := exec.Command(bin, "-o", "-n", "us-east-1", "-e", "http://"+sink.Addr(), "--no-sign", "-m", "16",
			"-b", addr, "-t", addr, "-l", "warn")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		waitUDP(b, cmd.Process.Pid, addr)
		t0 := cpuSeconds(b, cmd.Process.Pid)
		rep, err := loadgen.Run(context.Background(), loadgen.Options{UDPAddr: addr, Sink: sink, Rate: 4000, Duration: 5 * time.Second})
		t1 := cpuSeconds(b, cmd.Process.Pid)
		hwm := statusBytes(b, cmd.Process.Pid, "VmHWM")
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Lost != 0 {
			b.Fatalf("%d of %d documents not delivered", rep.Lost, rep.Sent)
		}
		peak = max(peak, float64(hwm))
		cpu += (t1 - t0) / rep.Duration.Seconds()
		docs += rep.Sent
	}
	b.ReportMetric(peak/(1<<20), "peak-RSS-MB")
	b.ReportMetric(100*cpu/float64(b.N), "%vCPU")
	b.ReportMetric(0, "ns/op")
	if peak > maxRSSAt4000 {
		b.Errorf("peak RSS %.1f MB at 4,000 documents/s; the bar is %d MB", peak/(1<<20), maxRSSAt4000>>20)
	}
}

// freePort returns a loopback address whose port is free for both UDP and
// TCP, as the daemon binds both.
func freePort(b *testing.B) string {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		addr := l.Addr().String()
		u, err := net.ListenPacket("udp", addr)
		l.Close()
		if err == nil {
			u.Close()
			return addr
		}
	}
	b.Fatal("no port free for both UDP and TCP")
	return ""
}

// waitUDP waits until the daemon answers on its TCP address, which it
// binds after the UDP socket.
func waitUDP(b *testing.B, pid int, addr string) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			b.Fatalf("daemon %d exited", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatalf("daemon did not listen on %s", addr)
}

// cpuSeconds is utime+stime from /proc/PID/stat (fields 14 and 15,
// counted after the command name, which may hold spaces).
func cpuSeconds(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

func statusBytes(b *testing.B, pid int, key string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == key {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}
