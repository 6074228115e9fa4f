package local

import (
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Options configure the engine. Only Dir is required.
type Options struct {
	// Dir is the data directory; it is created when missing.
	Dir string

	// Retention is how long data is kept (default 30 days). Data goes a
	// whole partition at a time, once the partition's newest possible time
	// is older than Retention.
	Retention time.Duration
	// Partition is the width of a time partition (default 24 h). It is
	// fixed when the directory is created; a different value given later is
	// ignored with a warning.
	Partition time.Duration
	// RetentionInterval is how often expired partitions are looked for
	// (default 10 minutes; negative disables the background check).
	RetentionInterval time.Duration

	// AssembleDelay is how long a trace waits after its first unsummarized
	// write before it is summarized (default 1 s), so that the pieces of a
	// trace that arrive together are assembled once.
	AssembleDelay time.Duration
	// MaxPending bounds the traces waiting to be summarized; writers wait
	// while it is exceeded (default 200,000).
	MaxPending int

	// CacheSize is Pebble's block cache in bytes (default 64 MB).
	CacheSize int64
	// MemTableSize is Pebble's memtable size in bytes (default 16 MB).
	MemTableSize uint64
	// TraceCacheSize is how many recent trace→partition placements are kept
	// in memory (default 262,144); older traces are found on disk.
	TraceCacheSize int

	// Logger receives the engine's and Pebble's messages (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time

	// fs replaces the file system in tests (counting fsyncs).
	fs vfs.FS
}

const day = 24 * time.Hour

func (o Options) withDefaults() Options {
	if o.Retention <= 0 {
		o.Retention = 30 * day
	}
	if o.Partition <= 0 {
		o.Partition = day
	}
	if o.Partition < time.Second {
		o.Partition = time.Second
	}
	if o.RetentionInterval == 0 {
		o.RetentionInterval = 10 * time.Minute
	}
	if o.AssembleDelay == 0 {
		o.AssembleDelay = time.Second
	}
	if o.AssembleDelay < 0 {
		o.AssembleDelay = 0
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 200_000
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 64 << 20
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = 16 << 20
	}
	if o.TraceCacheSize <= 0 {
		o.TraceCacheSize = 1 << 18
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
