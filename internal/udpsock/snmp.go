package udpsock

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// HostStats are the kernel's UDP counters for the whole host (all
// sockets), from the "Udp:" lines of /proc/net/snmp.
type HostStats struct {
	InDatagrams  uint64
	InErrors     uint64
	RcvbufErrors uint64 // datagrams dropped because a receive buffer was full
}

// ReadHostStats reads /proc/net/snmp. It fails where there is no such
// file (any OS but Linux).
func ReadHostStats() (HostStats, error) {
	f, err := os.Open("/proc/net/snmp")
	if err != nil {
		return HostStats{}, fmt.Errorf("cannot read host UDP statistics: %w", err)
	}
	defer f.Close()
	return parseSNMP(f)
}

// parseSNMP reads the "Udp:" header line and the "Udp:" value line that
// follows it; columns are found by name because kernels add columns.
func parseSNMP(r io.Reader) (HostStats, error) {
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
			return HostStats{}, fmt.Errorf("cannot parse host UDP statistics: %d names but %d values", len(names), len(fields))
		}
		var s HostStats
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
				return HostStats{}, fmt.Errorf("cannot parse host UDP statistic %s: %w", name, err)
			}
			*dst = v
		}
		return s, nil
	}
	if err := sc.Err(); err != nil {
		return HostStats{}, fmt.Errorf("cannot read host UDP statistics: %w", err)
	}
	return HostStats{}, fmt.Errorf("cannot parse host UDP statistics: no Udp lines")
}
