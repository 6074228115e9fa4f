package forward

import (
	"net"
	"runtime"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/lightbox-tracing/lightbox/internal/udpsock"
)

// A batchReader reads datagrams many at a time and lets them gather in
// the socket between reads.
//
// Reading one datagram per recvmsg costs a system call, a wake-up of the
// reading goroutine and, as often as not, of the Go runtime's monitor
// thread for every document: at 4,000 documents/s that bookkeeping was
// about two thirds of the daemon's CPU, the scanning and uploading the
// rest. So, on Linux, it reads with recvmmsg, and when a read finds the
// socket drained it sleeps for a pace before reading again. Nothing
// waits on that latency (batches leave at most once a second), and the
// pace is chosen so that the socket's receive buffer, where the
// datagrams wait, stays at most a quarter full: from the rate measured
// over the last round, assuming no less than burstRate, and never
// longer than maxPace.
type batchReader struct {
	read     func([]ipv4.Message) (int, error)
	msgs     []ipv4.Message
	paced    bool
	capacity float64 // bytes the kernel lets wait in the socket
	free     func()  // releases the slots' memory

	roundStart time.Time // when the last read that drained the socket returned
	roundCost  float64   // kernel bytes read since then
}

const (
	// batchSlots is how many datagrams one read takes at most. Every
	// slot can hold the largest datagram (64 KiB of address space), but
	// only the pages a datagram fills become resident (see allocSlots).
	batchSlots = 32
	// maxPace bounds the wait between reads.
	maxPace = 50 * time.Millisecond
	// burstRate is the arrival rate, in kernel bytes per second, that a
	// pace must leave room for even after a quiet spell: a sudden burst
	// of up to four times this does not fill the buffer within one pace.
	burstRate = 50 << 20
	// minPace is the shortest wait worth a timer.
	minPace = 200 * time.Microsecond
)

// newBatchReader reads conn, whose receive buffer holds capacity bytes.
func newBatchReader(conn *net.UDPConn, capacity int) *batchReader {
	r := &batchReader{
		msgs: make([]ipv4.Message, batchSlots),
		// Elsewhere ReadBatch reads one datagram per call, which would
		// make every read look like the socket ran dry.
		paced:      runtime.GOOS == "linux",
		capacity:   float64(capacity),
		roundStart: time.Now(),
	}
	var mem []byte
	mem, r.free = allocSlots(batchSlots * maxDatagram)
	for i := range r.msgs {
		r.msgs[i].Buffers = [][]byte{mem[i*maxDatagram : (i+1)*maxDatagram : (i+1)*maxDatagram]}
	}
	if a, ok := conn.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() == nil && a.IP != nil {
		pc := ipv6.NewPacketConn(conn)
		r.read = func(ms []ipv4.Message) (int, error) { return pc.ReadBatch(ms, 0) }
	} else {
		pc := ipv4.NewPacketConn(conn)
		r.read = func(ms []ipv4.Message) (int, error) { return pc.ReadBatch(ms, 0) }
	}
	return r
}

// close releases the slots; the reader must not be used after it.
func (r *batchReader) close() { r.free() }

// next waits for datagrams and calls fn for each one read, with its bytes
// (valid only during the call) and whether it was cut short.
func (r *batchReader) next(fn func(b []byte, truncated bool)) error {
	n, err := r.read(r.msgs)
	if err != nil {
		return err
	}
	for i := range r.msgs[:n] {
		m := &r.msgs[i]
		fn(m.Buffers[0][:m.N], m.Flags&udpsock.MsgTrunc != 0 || m.N == maxDatagram)
		r.roundCost += kernelCost(m.N)
	}
	if n < len(r.msgs) && r.paced {
		if d := r.pace(time.Now()); d > 0 {
			time.Sleep(d)
		}
	}
	return nil
}

// pace ends a round at now and returns how long to wait before the next
// read.
func (r *batchReader) pace(now time.Time) time.Duration {
	elapsed := now.Sub(r.roundStart).Seconds()
	rate := burstRate * 1.0
	if elapsed > 0 {
		rate = max(rate, r.roundCost/elapsed)
	}
	r.roundStart, r.roundCost = now, 0
	d := min(time.Duration(r.capacity/4/rate*float64(time.Second)), maxPace)
	if d < minPace {
		return 0
	}
	return d
}

// kernelCost estimates what a datagram of n bytes takes of the receive
// buffer: the kernel charges its buffers' whole size and bookkeeping, on
// loopback about twice the payload for small datagrams.
func kernelCost(n int) float64 { return float64(2*n + 1024) }
