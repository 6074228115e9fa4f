package server

import (
	"fmt"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/store/clickhouse"
	"github.com/lightbox-tracing/lightbox/internal/store/local"
)

// openStore opens the engine cfg.Storage names. The rest of the server
// sees only the store interfaces.
func openStore(cfg Config) (store.Store, error) {
	log := cfg.Logger.With("component", "store")
	switch cfg.Storage {
	case "", StorageLocal:
		st, err := local.Open(local.Options{Dir: cfg.DataDir, Retention: cfg.Retention, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("cannot open store in %s: %w", cfg.DataDir, err)
		}
		return st, nil
	case StorageClickHouse:
		ch := cfg.ClickHouse
		if ch.URL == "" {
			return nil, fmt.Errorf("storage clickhouse needs a ClickHouse URL (--clickhouse-url)")
		}
		st, err := clickhouse.Open(clickhouse.Options{
			URL:           ch.URL,
			Database:      ch.Database,
			Cluster:       ch.Cluster,
			Retention:     cfg.Retention,
			AssembleDelay: ch.AssembleDelay,
			Logger:        log,
		})
		if err != nil {
			return nil, fmt.Errorf("cannot open the ClickHouse store at %s: %w", ch.URL, err)
		}
		return st, nil
	}
	return nil, fmt.Errorf("unknown storage %q: use %s or %s", cfg.Storage, StorageLocal, StorageClickHouse)
}
