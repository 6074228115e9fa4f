package xraydaemon

import (
	"context"
	"net"
	"strings"
	"testing"
)

// TestNewFailsCleanlyWhenTheTCPAddressIsTaken: the error names the
// address, and the UDP socket and spool already opened are released.
func TestNewFailsCleanlyWhenTheTCPAddressIsTaken(t *testing.T) {
	isolateAWS(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	probe, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	udp := probe.LocalAddr().String()
	probe.Close()
	dir := t.TempDir()
	c := Config{UDPAddr: udp, TCPAddr: busy.Addr().String(), Endpoint: "http://127.0.0.1:1", NoSign: true,
		LocalMode: true, BufferMB: 3, Concurrency: 1, SpoolDir: dir, SpoolMB: 4}
	if _, err := New(context.Background(), c); err == nil || !strings.Contains(err.Error(), busy.Addr().String()) {
		t.Fatalf("New with a taken TCP address: %v", err)
	}
	again, err := net.ListenPacket("udp", udp)
	if err != nil {
		t.Fatalf("the UDP address stayed bound after New failed: %v", err)
	}
	again.Close()
	// The spool can be opened again: nothing holds it.
	c.TCPAddr = "127.0.0.1:0"
	c.UDPAddr = "127.0.0.1:0"
	d, err := New(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
