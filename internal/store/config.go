package store

import (
	"context"
	"errors"
)

// Errors of ConfigStore.
var (
	// ErrNotFound: no record under that kind and name.
	ErrNotFound = errors.New("config record not found")
	// ErrConflict: the record's version is not the one the caller read,
	// so another writer changed it in between; read again and retry.
	ErrConflict = errors.New("config record changed concurrently")
)

// Config record kinds.
const (
	ConfigSamplingRule = "rule"
	ConfigGroup        = "group"
	ConfigTags         = "tags"
)

// ConfigRecord is one small configuration record (a sampling rule, a group,
// the tags of a resource). Value is opaque to the engine (JSON owned by the
// caller). Version starts at 1 and grows by one with every Put.
type ConfigRecord struct {
	Kind    string
	Name    string
	Version uint64
	Value   []byte
}

// ConfigStore keeps configuration records. Unlike trace data they are never
// partitioned and never dropped by retention. Writes are compare-and-set on
// Version so that concurrent API calls cannot lose each other's updates.
type ConfigStore interface {
	// GetConfig returns the record, or ErrNotFound.
	GetConfig(ctx context.Context, kind, name string) (ConfigRecord, error)
	// ListConfig returns every record of kind, ordered by name.
	ListConfig(ctx context.Context, kind string) ([]ConfigRecord, error)
	// PutConfig stores value if the record's current version is version
	// (0: the record must not exist) and returns the new version; else
	// ErrConflict. The record is durable when it returns.
	PutConfig(ctx context.Context, kind, name string, version uint64, value []byte) (uint64, error)
	// DeleteConfig removes the record if its current version is version;
	// ErrNotFound if there is none, ErrConflict if it changed.
	DeleteConfig(ctx context.Context, kind, name string, version uint64) error
}
