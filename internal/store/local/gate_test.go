package local

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// Close waits for calls in flight; a call made from inside one of them while
// Close waits fails with ErrClosed instead of deadlocking.
func TestCloseDuringNestedCall(t *testing.T) {
	s := openTest(t, testOptions(t.TempDir()))
	ctx := context.Background()
	docs := genTrace(t, rand.New(rand.NewPCG(1, 1)), 1795300000, 1795300000.5, 2)
	if err := s.WriteSegments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	var nested error
	err := s.FindTraces(ctx, store.TraceQuery{End: 1e10}, func(*trace.Summary, store.Position) bool {
		go func() { closed <- s.Close() }()
		for !s.life.isClosed() {
			time.Sleep(time.Millisecond)
		}
		_, nested = s.GetTraces(ctx, []string{docs[0].TraceID})
		select {
		case err := <-closed:
			t.Errorf("Close returned (%v) while FindTraces was still running", err)
		case <-time.After(20 * time.Millisecond):
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(nested, store.ErrClosed) {
		t.Errorf("nested GetTraces while closing: %v, want ErrClosed", nested)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after FindTraces ended")
	}
}
