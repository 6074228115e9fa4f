//go:build !linux

package forward

import (
	"errors"
	"net"
)

// msgTrunc is not reported here; a datagram filling the whole buffer is
// taken as truncated instead.
const msgTrunc = 0

func setReadBuffer(c *net.UDPConn, size int) (granted int, forced bool, err error) {
	return size, false, c.SetReadBuffer(size)
}

func socketInode(*net.UDPConn) (uint64, error) {
	return 0, errors.New("cannot stat UDP socket: not supported on this OS")
}

// drainSocket is not supported: datagrams still queued at shutdown are
// lost with the socket.
func drainSocket(*net.UDPConn, []byte, func([]byte, bool) bool) error { return nil }

type socketStats struct{ queued, drops uint64 }

func readSocketStats(uint64) (socketStats, error) {
	return socketStats{}, errors.New("cannot read socket statistics: not supported on this OS")
}
