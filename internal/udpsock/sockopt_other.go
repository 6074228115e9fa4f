//go:build !linux

package udpsock

import (
	"errors"
	"net"
)

// MsgTrunc is never reported where recvmsg flags are not examined.
const MsgTrunc = 0

// SetReadBuffer falls back to the portable SO_RCVBUF, whose granted size
// cannot be read back portably.
func SetReadBuffer(c *net.UDPConn, size int) (granted int, forced bool, err error) {
	if err := c.SetReadBuffer(size); err != nil {
		return 0, false, err
	}
	return size, false, nil
}

// Inode is not supported here.
func Inode(*net.UDPConn) (uint64, error) {
	return 0, errors.New("cannot stat UDP socket: not supported on this OS")
}

// Drain is not supported: datagrams still queued at shutdown are lost with
// the socket.
func Drain(*net.UDPConn, []byte, func([]byte, bool) bool) error { return nil }

// ReadStats is not supported here.
func ReadStats(uint64) (Stats, error) {
	return Stats{}, errors.New("cannot read socket statistics: not supported on this OS")
}
