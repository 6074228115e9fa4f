package clickhouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
)

// Configuration records (sampling rules, groups, tags) live in the config
// table, one row per version, so that every node serves the same ones.
// ClickHouse has no transactions; compare-and-set uses the one exclusive
// operation it has, CREATE TABLE: the writer that creates the claim table
// cas_<key>_<seq> owns sequence number seq of that record (see
// docs/design/clickhouse.md).

// staleClaim is how old a claim whose row never appeared must be before
// another writer removes it (its writer crashed between claim and insert).
const staleClaim = 10 * time.Second

type configRow struct {
	seq, version uint64
	deleted      bool
	value        []byte
}

func (s *Store) configCond(kind, name string) string {
	return "kind = " + quote(kind) + " AND name = " + quote(name)
}

// latestConfig reads the newest row of a record (ok false: none ever).
func (s *Store) latestConfig(ctx context.Context, kind, name string) (configRow, bool, error) {
	b, err := s.c.query(ctx, "SELECT seq, version, deleted, value FROM "+s.layout.table("config")+
		" WHERE "+s.configCond(kind, name)+" ORDER BY seq DESC LIMIT 1")
	if err != nil {
		return configRow{}, false, fmt.Errorf("cannot read config record %s/%s: %w", kind, name, err)
	}
	r := rowReader{b: b}
	if !r.more() {
		return configRow{}, false, nil
	}
	row := configRow{seq: r.u64(), version: r.u64(), deleted: r.u8() == 1, value: r.bytes()}
	if r.err != nil {
		return configRow{}, false, fmt.Errorf("cannot read config record %s/%s: %w", kind, name, r.err)
	}
	return row, true, nil
}

// GetConfig implements store.ConfigStore.
func (s *Store) GetConfig(ctx context.Context, kind, name string) (store.ConfigRecord, error) {
	if err := s.enter(); err != nil {
		return store.ConfigRecord{}, err
	}
	defer s.leave()
	row, ok, err := s.latestConfig(ctx, kind, name)
	switch {
	case err != nil:
		return store.ConfigRecord{}, err
	case !ok || row.deleted:
		return store.ConfigRecord{}, store.ErrNotFound
	}
	return store.ConfigRecord{Kind: kind, Name: name, Version: row.version, Value: row.value}, nil
}

// ListConfig implements store.ConfigStore.
func (s *Store) ListConfig(ctx context.Context, kind string) ([]store.ConfigRecord, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	b, err := s.c.query(ctx, "SELECT name, argMax(version, seq), argMax(deleted, seq), argMax(value, seq) FROM "+
		s.layout.table("config")+" WHERE kind = "+quote(kind)+" GROUP BY name ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("cannot list config records %s: %w", kind, err)
	}
	r := rowReader{b: b}
	var out []store.ConfigRecord
	for r.more() {
		name, version, deleted, value := r.str(), r.u64(), r.u8() == 1, r.bytes()
		if r.err == nil && !deleted {
			out = append(out, store.ConfigRecord{Kind: kind, Name: name, Version: version, Value: value})
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("cannot list config records %s: %w", kind, r.err)
	}
	return out, nil
}

// PutConfig implements store.ConfigStore.
func (s *Store) PutConfig(ctx context.Context, kind, name string, version uint64, value []byte) (uint64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.leave()
	err := s.writeConfig(ctx, kind, name, version, false, value)
	if err != nil {
		return 0, err
	}
	return version + 1, nil
}

// DeleteConfig implements store.ConfigStore.
func (s *Store) DeleteConfig(ctx context.Context, kind, name string, version uint64) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.writeConfig(ctx, kind, name, version, true, nil)
}

// writeConfig stores a new version of a record (or its deletion) if its
// current version is version.
func (s *Store) writeConfig(ctx context.Context, kind, name string, version uint64, del bool, value []byte) error {
	s.cfgMu.Lock() // this node's writers queue here instead of racing for claims
	defer s.cfgMu.Unlock()
	cur, ok, err := s.latestConfig(ctx, kind, name)
	if err != nil {
		return err
	}
	exists := ok && !cur.deleted
	switch {
	case del && !exists:
		return store.ErrNotFound
	case exists && cur.version != version, !exists && version != 0:
		return store.ErrConflict
	}
	seq := cur.seq + 1
	if err := s.claim(ctx, kind, name, seq); err != nil {
		return err
	}
	// The claim is ours; the row we read must still be the newest (a
	// writer that read an older row may have claimed a sequence number
	// whose claim had been removed).
	again, _, err := s.latestConfig(ctx, kind, name)
	if err != nil {
		return err
	}
	if again.seq != cur.seq {
		s.dropClaim(ctx, kind, name, seq)
		return store.ErrConflict
	}
	var w rowWriter
	w.str(kind)
	w.str(name)
	w.u64(seq)
	if del {
		w.u64(0)
		w.u8(1)
	} else {
		w.u64(version + 1)
		w.u8(0)
	}
	w.bytes(value)
	if err := s.c.insert(ctx, s.layout.table("config"), []string{"kind", "name", "seq", "version", "deleted", "value"}, w.b, nil); err != nil {
		s.dropClaim(ctx, kind, name, seq)
		return fmt.Errorf("cannot write config record %s/%s: %w", kind, name, err)
	}
	if seq > 1 {
		// Only the newest claim matters: it stops a second writer of seq.
		s.dropClaim(ctx, kind, name, seq-1)
	}
	return nil
}

func claimTable(kind, name string, seq uint64) string {
	h := sha256.Sum256([]byte(kind + "\x00" + name))
	return "cas_" + hex.EncodeToString(h[:8]) + "_" + strconv.FormatUint(seq, 10)
}

// claim creates the claim table of (record, seq), or reports ErrConflict
// when another writer holds it.
func (s *Store) claim(ctx context.Context, kind, name string, seq uint64) error {
	t := s.layout.table(claimTable(kind, name, seq))
	for attempt := 0; ; attempt++ {
		err := s.c.exec(ctx, "CREATE TABLE "+t+" (seq UInt64) ENGINE = TinyLog")
		if err == nil {
			return nil
		}
		if !isCode(err, codeTableAlreadyExists) {
			return fmt.Errorf("cannot claim config record %s/%s: %w", kind, name, err)
		}
		if attempt > 0 || !s.claimIsStale(ctx, kind, name, seq) {
			return store.ErrConflict
		}
		s.log.Warn("removing a stale config claim", "kind", kind, "name", name, "seq", seq)
		s.dropClaim(ctx, kind, name, seq)
	}
}

// claimIsStale reports whether a claim was made long ago and its row
// never written.
func (s *Store) claimIsStale(ctx context.Context, kind, name string, seq uint64) bool {
	cur, _, err := s.latestConfig(ctx, kind, name)
	if err != nil || cur.seq >= seq {
		return false
	}
	b, err := s.c.query(ctx, "SELECT toUInt32(metadata_modification_time) FROM system.tables WHERE database = "+
		quote(s.layout.db)+" AND name = "+quote(claimTable(kind, name, seq)))
	if err != nil {
		return false
	}
	r := rowReader{b: b}
	made := r.u32()
	return r.err == nil && s.now().Sub(time.Unix(int64(made), 0)) > staleClaim
}

func (s *Store) dropClaim(ctx context.Context, kind, name string, seq uint64) {
	if err := s.c.exec(ctx, "DROP TABLE IF EXISTS "+s.layout.table(claimTable(kind, name, seq))); err != nil {
		s.log.Warn("cannot drop a config claim", "kind", kind, "name", name, "seq", seq, "err", err)
	}
}
