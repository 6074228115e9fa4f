package loadgen

import (
	"context"
	"fmt"
	"net"
	"time"
)

// tick is the pacing granularity. Each tick sends every document that
// fell due since the last one, so the average rate is exact while the
// sender sleeps instead of spinning; bursts are rate × tick documents
// (20 at 20,000/s), far below what a socket buffer holds.
const tick = time.Millisecond

// sendResult is what the sender did.
type sendResult struct {
	sent    int
	errors  int // failed writes (e.g. ECONNREFUSED when nothing listens)
	elapsed time.Duration
}

// send paces total datagrams from gen at rate per second to addr.
func send(ctx context.Context, addr string, gen *generator, rate float64, total int) (sendResult, error) {
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return sendResult{}, fmt.Errorf("cannot resolve UDP address %s: %w", addr, err)
	}
	// A connected socket saves the kernel a route lookup per datagram.
	conn, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		return sendResult{}, fmt.Errorf("cannot open UDP socket to %s: %w", addr, err)
	}
	defer conn.Close()
	_ = conn.SetWriteBuffer(4 << 20)

	var res sendResult
	buf := make([]byte, 0, 16<<10)
	start := time.Now()
	for res.sent < total {
		if ctx.Err() != nil {
			break
		}
		now := time.Now()
		due := min(total, int(rate*now.Sub(start).Seconds())+1)
		for ; res.sent < due; res.sent++ {
			buf = gen.next(buf[:0], now)
			if _, err := conn.Write(buf); err != nil {
				res.errors++
			}
		}
		if res.sent < total {
			// Sleep until the next document is due, but at least a tick.
			next := start.Add(time.Duration(float64(res.sent) / rate * float64(time.Second)))
			time.Sleep(max(time.Until(next), tick))
		}
	}
	res.elapsed = time.Since(start)
	return res, ctx.Err()
}
