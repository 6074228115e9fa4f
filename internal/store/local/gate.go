package local

import (
	"sync"

	"github.com/lightbox-tracing/lightbox/internal/store"
)

// gate admits public calls until Close, then lets Close wait for the calls
// in flight. Unlike a RWMutex it never blocks a call: a call made from inside
// another (GetTraces from a FindTraces callback) while Close waits gets
// store.ErrClosed instead of deadlocking.
type gate struct {
	mu     sync.Mutex
	active int
	closed bool
	idle   chan struct{} // closed when the last call leaves after close
}

func (g *gate) enter() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return store.ErrClosed
	}
	g.active++
	return nil
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active--
	if g.active == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
}

// close refuses new calls and waits for the ones in flight. It reports
// false when the gate was already closed.
func (g *gate) close() bool {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return false
	}
	g.closed = true
	if g.active == 0 {
		g.mu.Unlock()
		return true
	}
	idle := make(chan struct{})
	g.idle = idle
	g.mu.Unlock()
	<-idle
	return true
}

func (g *gate) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}
