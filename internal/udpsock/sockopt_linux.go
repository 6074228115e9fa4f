package udpsock

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// MsgTrunc is the recvmsg flag saying the datagram was longer than the
// buffer it was read into.
const MsgTrunc = syscall.MSG_TRUNC

// SetReadBuffer asks for a receive buffer of size bytes. SO_RCVBUFFORCE
// ignores net.core.rmem_max but needs CAP_NET_ADMIN; without it SO_RCVBUF
// is capped at rmem_max. It returns the size granted: half of what
// getsockopt reports, because the kernel doubles the request to account
// for its own bookkeeping.
func SetReadBuffer(c *net.UDPConn, size int) (granted int, forced bool, err error) {
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

// Inode identifies the socket in /proc/net/udp.
func Inode(c *net.UDPConn) (uint64, error) {
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

// Drain reads, without waiting, the datagrams already queued in the
// socket's receive buffer and passes each to fn (the slice is only valid
// during the call), until the queue is empty or fn returns false.
// Shutdown uses it so that what the kernel accepted before a receiver
// stopped is not thrown away with the socket. The read deadline must not
// be in the past.
func Drain(c *net.UDPConn, buf []byte, fn func(b []byte, truncated bool) bool) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return fmt.Errorf("cannot drain UDP socket: %w", err)
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
			var more bool
			if n >= len(buf) { // MSG_TRUNC reports the datagram's real length
				more = fn(buf, n > len(buf))
			} else {
				more = fn(buf[:n], false)
			}
			if !more {
				return true
			}
		}
	})
	if err := errors.Join(err, opErr); err != nil {
		return fmt.Errorf("cannot drain UDP socket: %w", err)
	}
	return nil
}

// ReadStats finds the socket with the given inode in /proc/net/udp and
// /proc/net/udp6.
func ReadStats(inode uint64) (Stats, error) {
	for _, path := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if s, ok, err := parseProcUDP(b, inode); err != nil || ok {
			return s, err
		}
	}
	return Stats{}, fmt.Errorf("cannot find UDP socket inode %d in /proc/net/udp{,6}", inode)
}
