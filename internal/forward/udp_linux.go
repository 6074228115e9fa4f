package forward

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// msgTrunc is the recvmsg flag saying the datagram was longer than the
// buffer.
const msgTrunc = syscall.MSG_TRUNC

// setReadBuffer asks for size bytes of receive buffer: SO_RCVBUFFORCE
// (beyond net.core.rmem_max) when the process has CAP_NET_ADMIN, else
// SO_RCVBUF. It returns what was granted (half of what getsockopt says:
// the kernel doubles requests for its bookkeeping).
func setReadBuffer(c *net.UDPConn, size int) (granted int, forced bool, err error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, false, fmt.Errorf("cannot set UDP receive buffer: %w", err)
	}
	var opErr error
	ctrlErr := rc.Control(func(fd uintptr) {
		if syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, size) == nil {
			forced = true
		} else if err := syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size); err != nil {
			opErr = err
			return
		}
		granted, opErr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	})
	if err := errors.Join(ctrlErr, opErr); err != nil {
		return 0, false, fmt.Errorf("cannot set UDP receive buffer: %w", err)
	}
	return granted / 2, forced, nil
}

func socketInode(c *net.UDPConn) (uint64, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var st syscall.Stat_t
	var opErr error
	if err := rc.Control(func(fd uintptr) { opErr = syscall.Fstat(int(fd), &st) }); err != nil {
		return 0, err
	}
	return st.Ino, opErr
}

// drainSocket passes fn every datagram already queued in the socket,
// without waiting, until the queue is empty or fn returns false. The
// slice is only valid during the call.
func drainSocket(c *net.UDPConn, buf []byte, fn func(b []byte, truncated bool) bool) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, _, err := syscall.Recvfrom(int(fd), buf, syscall.MSG_DONTWAIT|syscall.MSG_TRUNC)
			if err != nil {
				if err != syscall.EAGAIN && err != syscall.EINTR {
					opErr = err
				}
				return true
			}
			if n > len(buf) || n == len(buf) {
				if !fn(buf, true) {
					return true
				}
				continue
			}
			if !fn(buf[:n], false) {
				return true
			}
		}
	})
	return errors.Join(err, opErr)
}

type socketStats struct{ queued, drops uint64 }

// readSocketStats finds the socket by inode in /proc/net/udp{,6}, whose
// columns are: sl local rem st tx_queue:rx_queue tr:when retrnsmt uid
// timeout inode ref pointer drops.
func readSocketStats(inode uint64) (socketStats, error) {
	want := strconv.FormatUint(inode, 10)
	for _, path := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		for line := range bytes.Lines(b) {
			f := strings.Fields(string(line))
			if len(f) < 13 || f[9] != want {
				continue
			}
			_, rx, _ := strings.Cut(f[4], ":")
			queued, err1 := strconv.ParseUint(rx, 16, 64)
			drops, err2 := strconv.ParseUint(f[12], 10, 64)
			if err := errors.Join(err1, err2); err != nil {
				return socketStats{}, fmt.Errorf("cannot parse %s: %w", path, err)
			}
			return socketStats{queued: queued, drops: drops}, nil
		}
	}
	return socketStats{}, fmt.Errorf("cannot find UDP socket inode %d in /proc/net/udp{,6}", inode)
}
