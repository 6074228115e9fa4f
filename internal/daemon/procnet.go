package daemon

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// HostUDPStats are the kernel's UDP counters for the whole host (all
// sockets), from the "Udp:" lines of /proc/net/snmp.
type HostUDPStats struct {
	InDatagrams  uint64
	InErrors     uint64
	RcvbufErrors uint64 // datagrams dropped because a receive buffer was full
}

// ReadHostUDPStats reads /proc/net/snmp. It fails where there is no such
// file (any OS but Linux).
func ReadHostUDPStats() (HostUDPStats, error) {
	f, err := os.Open("/proc/net/snmp")
	if err != nil {
		return HostUDPStats{}, fmt.Errorf("cannot read host UDP statistics: %w", err)
	}
	defer f.Close()
	return parseSNMP(f)
}

// parseSNMP reads the "Udp:" header line and the "Udp:" value line that
// follows it; columns are found by name because kernels add columns.
func parseSNMP(r io.Reader) (HostUDPStats, error) {
	sc := bufio.NewScanner(r)
	var names []string
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "Udp: ") {
			continue
		}
		fields := strings.Fields(line)[1:]
		if names == nil {
			names = fields
			continue
		}
		if len(fields) != len(names) {
			return HostUDPStats{}, fmt.Errorf("cannot parse host UDP statistics: %d names but %d values", len(names), len(fields))
		}
		var s HostUDPStats
		for i, name := range names {
			var dst *uint64
			switch name {
			case "InDatagrams":
				dst = &s.InDatagrams
			case "InErrors":
				dst = &s.InErrors
			case "RcvbufErrors":
				dst = &s.RcvbufErrors
			default:
				continue
			}
			v, err := strconv.ParseUint(fields[i], 10, 64)
			if err != nil {
				return HostUDPStats{}, fmt.Errorf("cannot parse host UDP statistic %s: %w", name, err)
			}
			*dst = v
		}
		return s, nil
	}
	if err := sc.Err(); err != nil {
		return HostUDPStats{}, fmt.Errorf("cannot read host UDP statistics: %w", err)
	}
	return HostUDPStats{}, fmt.Errorf("cannot parse host UDP statistics: no Udp lines")
}

// socketStats are one socket's figures from /proc/net/udp or udp6.
type socketStats struct {
	QueuedBytes uint64 // rx_queue: bytes waiting in the receive buffer
	Drops       uint64 // datagrams the kernel dropped for this socket
}

// readSocketStats finds the socket with the given inode in /proc/net/udp
// and /proc/net/udp6.
func readSocketStats(inode uint64) (socketStats, error) {
	for _, path := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if s, ok, err := parseProcUDP(b, inode); err != nil || ok {
			return s, err
		}
	}
	return socketStats{}, fmt.Errorf("cannot find UDP socket inode %d in /proc/net/udp{,6}", inode)
}

// parseProcUDP parses the table of /proc/net/udp. Columns: sl
// local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid
// timeout inode ref pointer drops.
func parseProcUDP(b []byte, inode uint64) (socketStats, bool, error) {
	want := strconv.FormatUint(inode, 10)
	for line := range bytes.Lines(b) {
		f := strings.Fields(string(line))
		if len(f) < 13 || f[9] != want {
			continue
		}
		_, rx, ok := strings.Cut(f[4], ":")
		if !ok {
			return socketStats{}, false, fmt.Errorf("cannot parse queue column %q of /proc/net/udp", f[4])
		}
		queued, err := strconv.ParseUint(rx, 16, 64)
		if err != nil {
			return socketStats{}, false, fmt.Errorf("cannot parse rx_queue %q of /proc/net/udp: %w", rx, err)
		}
		drops, err := strconv.ParseUint(f[12], 10, 64)
		if err != nil {
			return socketStats{}, false, fmt.Errorf("cannot parse drops %q of /proc/net/udp: %w", f[12], err)
		}
		return socketStats{QueuedBytes: queued, Drops: drops}, true, nil
	}
	return socketStats{}, false, nil
}
