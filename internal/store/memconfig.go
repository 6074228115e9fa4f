package store

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
)

// MemConfig is a ConfigStore in memory, for processes without an engine
// that keeps configuration (tests, a read-only query node). It is safe for
// concurrent use.
type MemConfig struct {
	mu   sync.Mutex
	recs map[string]ConfigRecord // kind + "\x00" + name
}

var _ ConfigStore = (*MemConfig)(nil)

// NewMemConfig returns an empty MemConfig.
func NewMemConfig() *MemConfig { return &MemConfig{recs: map[string]ConfigRecord{}} }

// GetConfig implements ConfigStore.
func (m *MemConfig) GetConfig(_ context.Context, kind, name string) (ConfigRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[kind+"\x00"+name]
	if !ok {
		return ConfigRecord{}, ErrNotFound
	}
	r.Value = bytes.Clone(r.Value)
	return r, nil
}

// ListConfig implements ConfigStore.
func (m *MemConfig) ListConfig(_ context.Context, kind string) ([]ConfigRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ConfigRecord
	for k, r := range m.recs {
		if strings.HasPrefix(k, kind+"\x00") {
			r.Value = bytes.Clone(r.Value)
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b ConfigRecord) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// PutConfig implements ConfigStore.
func (m *MemConfig) PutConfig(_ context.Context, kind, name string, version uint64, value []byte) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := kind + "\x00" + name
	if m.recs[k].Version != version {
		return 0, ErrConflict
	}
	m.recs[k] = ConfigRecord{Kind: kind, Name: name, Version: version + 1, Value: bytes.Clone(value)}
	return version + 1, nil
}

// DeleteConfig implements ConfigStore.
func (m *MemConfig) DeleteConfig(_ context.Context, kind, name string, version uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := kind + "\x00" + name
	r, ok := m.recs[k]
	switch {
	case !ok:
		return ErrNotFound
	case r.Version != version:
		return ErrConflict
	}
	delete(m.recs, k)
	return nil
}
