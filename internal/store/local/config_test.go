package local

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/store/storetest"
)

func TestConfigConformance(t *testing.T) {
	storetest.RunConfig(t, func(t *testing.T, dir string) storetest.ConfigEngine {
		return openTest(t, testOptions(dir))
	})
}

// Retention drops time partitions only: configuration records written
// long before the cutoff stay.
func TestRetentionKeepsConfig(t *testing.T) {
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := newClock(base)
	o := testOptions(t.TempDir())
	o.Partition = time.Hour
	o.Retention = time.Hour
	o.Now = clk.now
	s := openTest(t, o)
	defer s.Close()
	ctx := context.Background()
	if _, err := s.PutConfig(ctx, store.ConfigSamplingRule, "r", 0, []byte("rule")); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	old := base.Add(-48 * time.Hour)
	if err := s.WriteSegments(ctx, genTrace(t, rng, uint32(old.Unix()), float64(old.Unix()), 3)); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.dropExpired(ctx); err != nil || n != 1 {
		t.Fatalf("dropExpired = %d, %v; want the old partition dropped", n, err)
	}
	if r, err := s.GetConfig(ctx, store.ConfigSamplingRule, "r"); err != nil || string(r.Value) != "rule" {
		t.Fatalf("config after retention = %+v, %v", r, err)
	}
}
