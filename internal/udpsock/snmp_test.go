package udpsock

import (
	"os"
	"strings"
	"testing"
)

func TestParseSNMP(t *testing.T) {
	f, err := os.Open("testdata/snmp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := parseSNMP(f)
	if err != nil {
		t.Fatal(err)
	}
	// UdpLite has the same columns and must not be mistaken for Udp.
	want := HostStats{InDatagrams: 1200, InErrors: 17, RcvbufErrors: 15}
	if got != want {
		t.Errorf("parseSNMP = %+v, want %+v", got, want)
	}
}

func TestParseSNMPErrors(t *testing.T) {
	f := func(name, input string) {
		t.Helper()
		if _, err := parseSNMP(strings.NewReader(input)); err == nil {
			t.Errorf("%s: parseSNMP succeeded, want an error", name)
		}
	}
	f("no udp lines", "Ip: Forwarding\nIp: 1\n")
	f("header only", "Udp: InDatagrams RcvbufErrors\n")
	f("short values", "Udp: InDatagrams RcvbufErrors\nUdp: 1\n")
	f("not a number", "Udp: InDatagrams RcvbufErrors\nUdp: 1 x\n")
}

func TestReadHostStats(t *testing.T) {
	if _, err := os.Stat("/proc/net/snmp"); err != nil {
		t.Skip("no /proc/net/snmp on this OS")
	}
	if _, err := ReadHostStats(); err != nil {
		t.Fatal(err)
	}
}
