package xraydaemon

import (
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/server"
)

// The daemon reads AWS_XRAY_DAEMON_ADDRESS with its own copy of the
// server's parser (so that its binary does not link the server); both
// must accept and refuse the same values, with the same results.
func TestParseDaemonAddressAgreesWithServer(t *testing.T) {
	for _, v := range []string{
		"127.0.0.1:2000",
		" 0.0.0.0:3000 ",
		"tcp:127.0.0.1:2001 udp:127.0.0.1:2002",
		"udp:10.0.0.1:2002 tcp:10.0.0.1:2001",
		"udp:127.0.0.1:2002",
		"tcp:127.0.0.1:2001",
		"tcp:a:1 tcp:b:2",
		"a:1 b:2 c:3",
		"",
		"[::1]:2000",
	} {
		udp, tcp, err := parseDaemonAddress(v)
		sudp, stcp, serr := server.ParseDaemonAddress(v)
		if udp != sudp || tcp != stcp || (err == nil) != (serr == nil) {
			t.Errorf("%q: daemon (%q, %q, %v), server (%q, %q, %v)", v, udp, tcp, err, sudp, stcp, serr)
		}
	}
}
