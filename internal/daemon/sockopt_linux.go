package daemon

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// msgTrunc is the recvmsg flag saying the datagram was longer than the
// buffer it was read into.
const msgTrunc = syscall.MSG_TRUNC

// setReadBuffer asks for a receive buffer of size bytes. SO_RCVBUFFORCE
// ignores net.core.rmem_max but needs CAP_NET_ADMIN; without it SO_RCVBUF
// is capped at rmem_max. It returns the size granted: half of what
// getsockopt reports, because the kernel doubles the request to account
// for its own bookkeeping.
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

// socketInode identifies the socket in /proc/net/udp.
func socketInode(c *net.UDPConn) (uint64, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("cannot stat UDP socket: %w", err)
	}
	var st syscall.Stat_t
	var opErr error
	if err := rc.Control(func(fd uintptr) { opErr = syscall.Fstat(int(fd), &st) }); err != nil {
		return 0, fmt.Errorf("cannot stat UDP socket: %w", err)
	}
	if opErr != nil {
		return 0, fmt.Errorf("cannot stat UDP socket: %w", opErr)
	}
	return st.Ino, nil
}

// drainSocket reads, without waiting, every datagram already queued in the
// socket's receive buffer, up to max of them, and passes each to fn (the
// slice is only valid during the call). Shutdown uses it so that what the
// kernel accepted before the listener stopped is not thrown away with the
// socket. The read deadline must not be in the past.
func drainSocket(c *net.UDPConn, buf []byte, max int, fn func(b []byte, truncated bool)) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return fmt.Errorf("cannot drain UDP socket: %w", err)
	}
	var opErr error
	err = rc.Read(func(fd uintptr) bool {
		for i := 0; i < max; i++ {
			n, _, err := syscall.Recvfrom(int(fd), buf, syscall.MSG_DONTWAIT|syscall.MSG_TRUNC)
			if err != nil {
				if err != syscall.EAGAIN && err != syscall.EINTR {
					opErr = err
				}
				return true
			}
			if n > len(buf) {
				fn(buf, true)
				continue
			}
			fn(buf[:n], false)
		}
		return true
	})
	if err := errors.Join(err, opErr); err != nil {
		return fmt.Errorf("cannot drain UDP socket: %w", err)
	}
	return nil
}
