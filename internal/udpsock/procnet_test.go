package udpsock

import (
	"os"
	"testing"
)

func TestParseProcUDP(t *testing.T) {
	b, err := os.ReadFile("testdata/proc_net_udp")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		inode  uint64
		want   Stats
		wantOK bool
	}{
		{15671, Stats{}, true},
		{15699, Stats{QueuedBytes: 0x1A2C0, Drops: 4021}, true},
		{1, Stats{}, false},
		{1567, Stats{}, false}, // a prefix of an inode is not a match
	}
	for _, tt := range tests {
		got, ok, err := parseProcUDP(b, tt.inode)
		if err != nil || ok != tt.wantOK || got != tt.want {
			t.Errorf("parseProcUDP(inode %d) = %+v, %v, %v; want %+v, %v, nil", tt.inode, got, ok, err, tt.want, tt.wantOK)
		}
	}
}
