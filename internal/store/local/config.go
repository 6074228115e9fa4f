package local

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/lightbox-tracing/lightbox/internal/store"
)

// Configuration records (sampling rules, groups, tags) live under their own
// namespace, outside every partition, so retention never drops them. Keys:
// nsConfig kind 0x00 name; values: configFormat, version (uint64), value.
const (
	nsConfig     = 'c'
	configFormat = 1
)

var _ store.ConfigStore = (*Store)(nil)

func configKey(kind, name string) []byte {
	k := make([]byte, 0, 2+len(kind)+len(name))
	k = append(k, nsConfig)
	k = append(k, kind...)
	k = append(k, 0)
	return append(k, name...)
}

func decodeConfig(kind, name string, v []byte) (store.ConfigRecord, error) {
	if len(v) < 9 || v[0] != configFormat {
		return store.ConfigRecord{}, fmt.Errorf("cannot decode config record %s/%s: unknown format", kind, name)
	}
	return store.ConfigRecord{
		Kind:    kind,
		Name:    name,
		Version: binary.BigEndian.Uint64(v[1:9]),
		Value:   bytes.Clone(v[9:]),
	}, nil
}

// GetConfig implements store.ConfigStore.
func (s *Store) GetConfig(_ context.Context, kind, name string) (store.ConfigRecord, error) {
	if err := s.enter(); err != nil {
		return store.ConfigRecord{}, err
	}
	defer s.leave()
	return s.getConfig(kind, name)
}

func (s *Store) getConfig(kind, name string) (store.ConfigRecord, error) {
	v, closer, err := s.db.Get(configKey(kind, name))
	if errors.Is(err, pebble.ErrNotFound) {
		return store.ConfigRecord{}, store.ErrNotFound
	}
	if err != nil {
		return store.ConfigRecord{}, fmt.Errorf("cannot read config record %s/%s: %w", kind, name, err)
	}
	defer closer.Close()
	return decodeConfig(kind, name, v)
}

// ListConfig implements store.ConfigStore.
func (s *Store) ListConfig(_ context.Context, kind string) ([]store.ConfigRecord, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	lower := configKey(kind, "")
	upper := bytes.Clone(lower)
	upper[len(upper)-1] = 1
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, fmt.Errorf("cannot list config records %s: %w", kind, err)
	}
	var out []store.ConfigRecord
	for it.First(); it.Valid(); it.Next() {
		r, err := decodeConfig(kind, string(it.Key()[len(lower):]), it.Value())
		if err != nil {
			_ = it.Close()
			return nil, err
		}
		out = append(out, r)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("cannot list config records %s: %w", kind, err)
	}
	return out, nil
}

// PutConfig implements store.ConfigStore.
func (s *Store) PutConfig(_ context.Context, kind, name string, version uint64, value []byte) (uint64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.leave()
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	cur, err := s.getConfig(kind, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		cur.Version = 0
	case err != nil:
		return 0, err
	}
	if cur.Version != version {
		return 0, store.ErrConflict
	}
	v := make([]byte, 0, 9+len(value))
	v = append(v, configFormat)
	v = binary.BigEndian.AppendUint64(v, version+1)
	v = append(v, value...)
	if err := s.db.Set(configKey(kind, name), v, pebble.Sync); err != nil {
		return 0, fmt.Errorf("cannot write config record %s/%s: %w", kind, name, err)
	}
	return version + 1, nil
}

// DeleteConfig implements store.ConfigStore.
func (s *Store) DeleteConfig(_ context.Context, kind, name string, version uint64) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	cur, err := s.getConfig(kind, name)
	if err != nil {
		return err
	}
	if cur.Version != version {
		return store.ErrConflict
	}
	if err := s.db.Delete(configKey(kind, name), pebble.Sync); err != nil {
		return fmt.Errorf("cannot delete config record %s/%s: %w", kind, name, err)
	}
	return nil
}
