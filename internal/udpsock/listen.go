package udpsock

import (
	"fmt"
	"net"
)

// Listen binds a UDP socket to addr ("host:port"; port 0 picks one).
func Listen(addr string) (*net.UDPConn, error) {
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve UDP address %s: %w", addr, err)
	}
	c, err := net.ListenUDP("udp", a)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on UDP %s: %w", addr, err)
	}
	return c, nil
}
