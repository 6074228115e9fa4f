package local

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/store/storetest"
)

// TestMain fails the package when goroutines of the engine or of Pebble
// outlive the tests: every Store must stop what Open started.
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	code := m.Run()
	if code == 0 {
		if err := waitGoroutines(5 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// waitGoroutines waits for every goroutine running engine or Pebble code to
// end. Goroutines of the test machinery (signal handling when fuzzing) are
// not counted.
func waitGoroutines(wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 4<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "local.TestMain") {
				continue
			}
			if strings.Contains(g, "internal/store/local.") || strings.Contains(g, "cockroachdb/pebble") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("goroutine leak: %d goroutines of the engine still run:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testOptions keep data of any age and assemble quickly.
func testOptions(dir string) Options {
	return Options{
		Dir:               dir,
		Retention:         200 * 365 * day,
		AssembleDelay:     10 * time.Millisecond,
		CacheSize:         8 << 20,
		MemTableSize:      4 << 20,
		RetentionInterval: -1,
	}
}

func openTest(t testing.TB, o Options) *Store {
	t.Helper()
	s, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		return openTest(t, testOptions(dir))
	})
}

// The same suite with hour-wide partitions, so that the fixtures' traces
// (one of them two hours long) spread over many partitions.
func TestConformanceHourPartitions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		o := testOptions(dir)
		o.Partition = time.Hour
		return openTest(t, o)
	})
}

func TestOpenRejectsUnknownFormat(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, testOptions(dir))
	if err := s.db.Set(metaFormatKey, []byte{99}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := Open(testOptions(dir))
	if err == nil || !strings.Contains(err.Error(), "format") {
		t.Fatalf("Open of a store in format 99: got %v, want a format error", err)
	}
}

func TestPartitionWidthIsFixedAtCreation(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(dir)
	o.Partition = time.Hour
	s := openTest(t, o)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	o.Partition = 24 * time.Hour
	s = openTest(t, o)
	defer s.Close()
	if s.parts.width != 3600 {
		t.Fatalf("partition width after reopening with another option: %v s, want 3600 s", s.parts.width)
	}
}
