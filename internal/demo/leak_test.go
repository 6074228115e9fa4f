package demo

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// checkGoroutines fails the test if goroutines started during it are still
// running once its cleanups have run (register it first: cleanups run in
// reverse order). Goroutines started before the test are ignored.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := goroutineIDs()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			var leaked []string
			for id, stack := range goroutineStacks() {
				if _, ok := before[id]; !ok && !strings.Contains(stack, "testing.tRunner") {
					leaked = append(leaked, stack)
				}
			}
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d goroutines still running after the test:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

func goroutineIDs() map[string]struct{} {
	out := map[string]struct{}{}
	for id := range goroutineStacks() {
		out[id] = struct{}{}
	}
	return out
}

// goroutineStacks maps "goroutine N" to its stack, for every goroutine.
func goroutineStacks() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		head, _, _ := strings.Cut(g, " [")
		out[head] = g
	}
	return out
}
