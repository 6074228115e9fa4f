//go:build !linux

package daemon

import (
	"errors"
	"net"
)

// msgTrunc is never reported where recvmsg flags are not examined.
const msgTrunc = 0

// setReadBuffer falls back to the portable SO_RCVBUF, whose granted size
// cannot be read back portably.
func setReadBuffer(c *net.UDPConn, size int) (granted int, forced bool, err error) {
	if err := c.SetReadBuffer(size); err != nil {
		return 0, false, err
	}
	return size, false, nil
}

func socketInode(*net.UDPConn) (uint64, error) {
	return 0, errors.New("cannot stat UDP socket: not supported on this OS")
}

// drainSocket is not supported: datagrams still queued at shutdown are lost.
func drainSocket(*net.UDPConn, []byte, int, func([]byte, bool)) error { return nil }
