package udpsock

import (
	"log/slog"
	"net"
)

// EnlargeReadBuffer asks for a receive buffer of size bytes (see
// SetReadBuffer) and logs the outcome: a warning when the buffer could not
// be set or the kernel granted less, because bursts larger than the buffer
// are lost. It returns the size granted, 0 when it could not be set.
func EnlargeReadBuffer(c *net.UDPConn, size int, log *slog.Logger) int {
	granted, forced, err := SetReadBuffer(c, size)
	if err != nil {
		log.Warn("cannot enlarge the UDP receive buffer; segments may be lost in bursts", "err", err)
		return 0
	}
	// Less than asked for means SO_RCVBUF was capped by
	// net.core.rmem_max (SO_RCVBUFFORCE needs CAP_NET_ADMIN).
	if granted < size {
		log.Warn("UDP receive buffer is smaller than requested; raise net.core.rmem_max or grant CAP_NET_ADMIN to absorb bursts",
			"requested", size, "granted", granted)
		return granted
	}
	log.Info("UDP receive buffer set", "requested", size, "granted", granted, "forced", forced)
	return granted
}
