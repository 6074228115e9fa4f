package server

import "testing"

func TestParseDaemonAddress(t *testing.T) {
	f := func(in, wantUDP, wantTCP string, wantErr bool) {
		t.Helper()
		u, tc, err := ParseDaemonAddress(in)
		if (err != nil) != wantErr {
			t.Fatalf("ParseDaemonAddress(%q) error = %v, want error %v", in, err, wantErr)
		}
		if u != wantUDP || tc != wantTCP {
			t.Fatalf("ParseDaemonAddress(%q) = %q, %q; want %q, %q", in, u, tc, wantUDP, wantTCP)
		}
	}
	f("127.0.0.1:2000", "127.0.0.1:2000", "127.0.0.1:2000", false)
	f("xray-daemon:3000", "xray-daemon:3000", "xray-daemon:3000", false)
	f("tcp:127.0.0.1:2001 udp:127.0.0.1:2002", "127.0.0.1:2002", "127.0.0.1:2001", false)
	f("udp:127.0.0.1:2002 tcp:127.0.0.1:2001", "127.0.0.1:2002", "127.0.0.1:2001", false)
	f("udp:127.0.0.1:2002", "", "", true)
	f("tcp:a:1 tcp:b:2", "", "", true)
	f("a b c", "", "", true)
}
