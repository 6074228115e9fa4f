package local

import (
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// retentionLoop drops expired partitions at Open and then every
// RetentionInterval until Close.
func (s *Store) retentionLoop() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.stop
		cancel() // interrupts a compaction in progress
	}()
	t := time.NewTicker(s.opts.RetentionInterval)
	defer t.Stop()
	for {
		if _, err := s.dropExpired(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("cannot enforce retention", "err", err)
		}
		select {
		case <-t.C:
		case <-s.stop:
			return
		}
	}
}

// dropExpired removes every partition whose whole time range is older than
// the retention period: one range deletion covering all its keys, then a
// compaction of that range so that its files are deleted and the disk space
// returns now, not whenever compaction would reach it. It returns how many
// partitions went.
func (s *Store) dropExpired(ctx context.Context) (int, error) {
	cutoff := float64(s.opts.Now().Add(-s.opts.Retention).UnixNano()) / float64(time.Second)
	dropped := 0
	for _, p := range s.parts.list() {
		if s.parts.end(p) > cutoff {
			continue
		}
		if err := s.dropPartition(ctx, p); err != nil {
			return dropped, err
		}
		s.log.Info("dropped expired partition", "start", time.Unix(int64(s.parts.start(p)), 0).UTC())
		dropped++
	}
	return dropped, nil
}

func (s *Store) dropPartition(ctx context.Context, p uint32) error {
	s.parts.remove(p)
	s.traces.forgetPartition(p)
	lo, hi := partRange(p)
	if err := s.db.DeleteRange(lo, hi, pebble.Sync); err != nil {
		return fmt.Errorf("cannot delete partition %d: %w", p, err)
	}
	if err := s.db.Compact(ctx, lo, hi, true); err != nil {
		return fmt.Errorf("cannot compact partition %d: %w", p, err)
	}
	return nil
}
