package daemonaddr

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in, udp, tcp string
		wantErr      bool
	}{
		{"127.0.0.1:2000", "127.0.0.1:2000", "127.0.0.1:2000", false},
		{" 0.0.0.0:3000 ", "0.0.0.0:3000", "0.0.0.0:3000", false},
		{"xray-daemon:3000", "xray-daemon:3000", "xray-daemon:3000", false},
		{"[::1]:2000", "[::1]:2000", "[::1]:2000", false},
		{"tcp:127.0.0.1:2001 udp:127.0.0.1:2002", "127.0.0.1:2002", "127.0.0.1:2001", false},
		{"udp:10.0.0.1:2002 tcp:10.0.0.1:2001", "10.0.0.1:2002", "10.0.0.1:2001", false},
		{"udp:127.0.0.1:2002", "", "", true},
		{"tcp:127.0.0.1:2001", "", "", true},
		{"tcp:a:1 tcp:b:2", "", "", true},
		{"a b c", "", "", true},
		{"", "", "", true},
	}
	for _, tt := range tests {
		udp, tcp, err := Parse(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
		}
		if udp != tt.udp || tcp != tt.tcp {
			t.Errorf("Parse(%q) = %q, %q; want %q, %q", tt.in, udp, tcp, tt.udp, tt.tcp)
		}
	}
}
