package udpsock

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// parseProcUDP parses the table of /proc/net/udp. Columns: sl
// local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid
// timeout inode ref pointer drops.
func parseProcUDP(b []byte, inode uint64) (Stats, bool, error) {
	want := strconv.FormatUint(inode, 10)
	for line := range bytes.Lines(b) {
		f := strings.Fields(string(line))
		if len(f) < 13 || f[9] != want {
			continue
		}
		_, rx, ok := strings.Cut(f[4], ":")
		if !ok {
			return Stats{}, false, fmt.Errorf("cannot parse queue column %q of /proc/net/udp", f[4])
		}
		queued, err := strconv.ParseUint(rx, 16, 64)
		if err != nil {
			return Stats{}, false, fmt.Errorf("cannot parse rx_queue %q of /proc/net/udp: %w", rx, err)
		}
		drops, err := strconv.ParseUint(f[12], 10, 64)
		if err != nil {
			return Stats{}, false, fmt.Errorf("cannot parse drops %q of /proc/net/udp: %w", f[12], err)
		}
		return Stats{QueuedBytes: queued, Drops: drops}, true, nil
	}
	return Stats{}, false, nil
}
