package forward

import (
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"
)

// The pace leaves room in the socket's buffer for a burst: a quarter of
// the buffer at no less than burstRate, never more than maxPace, and no
// timer at all when that would be too short to be worth one.
func TestBatchReaderPace(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name     string
		capacity int
		cost     float64 // kernel bytes read in the round
		elapsed  time.Duration
		want     time.Duration
	}{
		{"large buffer, light traffic: the longest pace", 32 << 20, 40 << 10, 20 * time.Millisecond, maxPace},
		{"an idle spell assumes a burst may start", 2 << 20, 0, 10 * time.Second, 10 * time.Millisecond},
		{"traffic above burstRate shortens it", 8 << 20, 10 << 20, 50 * time.Millisecond, 10 * time.Millisecond},
		{"the kernel's default buffer: about a millisecond", 208 << 10, 0, time.Second, 1015625 * time.Nanosecond},
		{"a tiny buffer: no pacing", 32 << 10, 0, time.Second, 0},
		{"no buffer figure: no pacing", 0, 0, time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &batchReader{capacity: float64(tt.capacity), roundStart: t0, roundCost: tt.cost}
			got := r.pace(t0.Add(tt.elapsed))
			if diff := got - tt.want; diff < -time.Microsecond || diff > time.Microsecond {
				t.Errorf("pace = %v, want %v", got, tt.want)
			}
			if r.roundCost != 0 || !r.roundStart.Equal(t0.Add(tt.elapsed)) {
				t.Errorf("the round did not restart: cost %v, start %v", r.roundCost, r.roundStart)
			}
		})
	}
}

// On Linux one read takes in every datagram waiting, up to batchSlots,
// each whole and in order.
func TestBatchReaderReadsManyPerCall(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("recvmmsg batches only on Linux; elsewhere each read takes one datagram")
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := newBatchReader(conn, 0)
	defer br.close()
	br.paced = false

	c, err := net.DialUDP("udp", nil, conn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const sent = batchSlots + 5
	for i := range sent {
		if _, err := fmt.Fprintf(c, "datagram %d", i); err != nil {
			t.Fatal(err)
		}
	}
	// Loopback delivers synchronously: all are queued once written.
	var got []string
	if err := br.next(func(b []byte, truncated bool) {
		if truncated {
			t.Errorf("%q reported truncated", b)
		}
		got = append(got, string(b))
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != batchSlots {
		t.Fatalf("first read took %d datagrams, want %d", len(got), batchSlots)
	}
	if err := br.next(func(b []byte, _ bool) { got = append(got, string(b)) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != sent {
		t.Fatalf("two reads took %d datagrams, want %d", len(got), sent)
	}
	for i, s := range got {
		if want := fmt.Sprintf("datagram %d", i); s != want {
			t.Fatalf("datagram %d is %q, want %q", i, s, want)
		}
	}
}

// An IPv6 socket is read the same way.
func TestBatchReaderIPv6(t *testing.T) {
	conn, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	defer conn.Close()
	br := newBatchReader(conn, 0)
	defer br.close()
	c, err := net.DialUDP("udp6", nil, conn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("over IPv6")); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := br.next(func(b []byte, _ bool) { got = string(b) }); err != nil {
		t.Fatal(err)
	}
	if got != "over IPv6" {
		t.Fatalf("read %q", got)
	}
}
