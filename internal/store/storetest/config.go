package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/store"
)

// ConfigEngine is an engine that also keeps configuration records.
type ConfigEngine interface {
	store.Store
	store.ConfigStore
}

// ConfigOpener opens an engine on dir, like Opener.
type ConfigOpener func(t *testing.T, dir string) ConfigEngine

// RunConfig checks store.ConfigStore's promises: compare-and-set versions,
// listing by kind in name order, deletion, and persistence across reopening.
func RunConfig(t *testing.T, open ConfigOpener) {
	ctx := context.Background()
	t.Run("VersionsAndConflicts", func(t *testing.T) {
		s := open(t, t.TempDir())
		defer s.Close()
		if _, err := s.GetConfig(ctx, store.ConfigSamplingRule, "a"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get of a missing record: err = %v, want ErrNotFound", err)
		}
		v, err := s.PutConfig(ctx, store.ConfigSamplingRule, "a", 0, []byte("one"))
		if err != nil || v != 1 {
			t.Fatalf("first Put = %d, %v; want 1, nil", v, err)
		}
		if _, err := s.PutConfig(ctx, store.ConfigSamplingRule, "a", 0, []byte("again")); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("create over an existing record: err = %v, want ErrConflict", err)
		}
		if v, err = s.PutConfig(ctx, store.ConfigSamplingRule, "a", 1, []byte("two")); err != nil || v != 2 {
			t.Fatalf("update = %d, %v; want 2, nil", v, err)
		}
		if _, err := s.PutConfig(ctx, store.ConfigSamplingRule, "a", 1, []byte("stale")); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale update: err = %v, want ErrConflict", err)
		}
		r, err := s.GetConfig(ctx, store.ConfigSamplingRule, "a")
		if err != nil || r.Version != 2 || string(r.Value) != "two" || r.Name != "a" || r.Kind != store.ConfigSamplingRule {
			t.Fatalf("Get = %+v, %v; want version 2 value two", r, err)
		}
		if err := s.DeleteConfig(ctx, store.ConfigSamplingRule, "a", 1); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale delete: err = %v, want ErrConflict", err)
		}
		if err := s.DeleteConfig(ctx, store.ConfigSamplingRule, "a", 2); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if err := s.DeleteConfig(ctx, store.ConfigSamplingRule, "a", 2); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: err = %v, want ErrNotFound", err)
		}
	})
	t.Run("ListByKindAndReopen", func(t *testing.T) {
		dir := t.TempDir()
		s := open(t, dir)
		for _, n := range []string{"b", "a", "c"} {
			if _, err := s.PutConfig(ctx, store.ConfigGroup, n, 0, []byte("g"+n)); err != nil {
				t.Fatal(err)
			}
		}
		// A kind that is a prefix of another must not see its records.
		if _, err := s.PutConfig(ctx, store.ConfigGroup+"x", "z", 0, []byte("other")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutConfig(ctx, store.ConfigTags, "a", 0, []byte("tags")); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = open(t, dir)
		defer s.Close()
		rs, err := s.ListConfig(ctx, store.ConfigGroup)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(names(rs)); got != "[a:ga b:gb c:gc]" {
			t.Fatalf("List after reopen = %s, want [a:ga b:gb c:gc]", got)
		}
		if _, err := s.ListConfig(ctx, "nothing"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ConcurrentUpdatesAreNotLost", func(t *testing.T) {
		s := open(t, t.TempDir())
		defer s.Close()
		const workers, each = 4, 25
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := 0; i < each; {
					r, err := s.GetConfig(ctx, store.ConfigTags, "n")
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						t.Error(err)
						return
					}
					_, err = s.PutConfig(ctx, store.ConfigTags, "n", r.Version, append(r.Value, 'x'))
					if errors.Is(err, store.ErrConflict) {
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					i++
				}
			})
		}
		wg.Wait()
		r, err := s.GetConfig(ctx, store.ConfigTags, "n")
		if err != nil || len(r.Value) != workers*each || r.Version != workers*each {
			t.Fatalf("after %d updates: %d bytes, version %d, %v", workers*each, len(r.Value), r.Version, err)
		}
	})
	t.Run("Closed", func(t *testing.T) {
		s := open(t, t.TempDir())
		_ = s.Close()
		if _, err := s.PutConfig(ctx, store.ConfigTags, "n", 0, nil); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Put after Close: err = %v, want ErrClosed", err)
		}
	})
}

func names(rs []store.ConfigRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name+":"+string(r.Value))
	}
	return out
}
