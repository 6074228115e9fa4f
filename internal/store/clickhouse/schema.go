package clickhouse

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// layout is where the tables live: one server, or a cluster where every
// data table is a shard-local table plus a Distributed table over it.
type layout struct {
	db      string
	cluster string  // "" on a single server
	version version // the server's, for optional clauses
}

// version is a server version, compared as (major, minor).
type version struct{ major, minor int }

func (v version) atLeast(major, minor int) bool {
	return v.major > major || v.major == major && v.minor >= minor
}

func parseVersion(s string) version {
	parts := strings.SplitN(strings.TrimSpace(s), ".", 3)
	var v version
	if len(parts) >= 1 {
		v.major, _ = strconv.Atoi(parts[0])
	}
	if len(parts) >= 2 {
		v.minor, _ = strconv.Atoi(parts[1])
	}
	return v
}

func (l layout) table(name string) string { return ident(l.db) + "." + ident(name) }

// onCluster is the ON CLUSTER clause of DDL, empty on a single server.
func (l layout) onCluster() string {
	if l.cluster == "" {
		return ""
	}
	return " ON CLUSTER " + ident(l.cluster)
}

// shardTable is the name of the table that holds a shard's rows: the table
// itself on a single server, name_shard under a Distributed table.
func (l layout) shardTable(name string) string {
	if l.cluster == "" {
		return name
	}
	return name + "_shard"
}

// mergeTree returns the engine clause of a data table: Replicated when a
// cluster is configured (its servers must have ZooKeeper and the {shard}
// and {replica} macros).
func (l layout) mergeTree(kind, args, name string) string {
	return l.replicated(kind, args, "{shard}", "{replica}", name)
}

// replicated is mergeTree with the ZooKeeper path's shard part and the
// replica name given: "{shard}" and "{replica}" for sharded data; a
// constant and a name unique in the cluster for a table every server
// holds a replica of.
func (l layout) replicated(kind, args, shard, replica, name string) string {
	if l.cluster == "" {
		return kind + "MergeTree(" + args + ")"
	}
	zk := quote("/clickhouse/tables/" + shard + "/" + l.db + "/" + name)
	if args != "" {
		args = ", " + args
	}
	return "Replicated" + kind + "MergeTree(" + zk + ", " + quote(replica) + args + ")"
}

// codec returns a column's compression clause on servers that have CODEC
// (19.x and later); 18.16 compresses every column with LZ4.
func (l layout) codec(c string) string {
	if !l.version.atLeast(20, 1) {
		return ""
	}
	return " CODEC(" + c + ")"
}

// migration is one schema version: statements that are each idempotent, so
// that nodes starting at once may run them concurrently.
type migration struct {
	version int
	name    string
	stmts   func(l layout) []string
}

// createData creates a sharded data table: on a cluster the shard table
// ON CLUSTER, then the Distributed table over it, sharded by trace ID so
// that a trace's documents and summaries live on one shard.
func createData(l layout, name, columns, engine, tail string) []string {
	shard := "CREATE TABLE IF NOT EXISTS " + l.table(l.shardTable(name)) + l.onCluster() +
		" (" + columns + ") ENGINE = " + engine + " " + tail
	if l.cluster == "" {
		return []string{shard}
	}
	dist := "CREATE TABLE IF NOT EXISTS " + l.table(name) + l.onCluster() + " AS " + l.table(l.shardTable(name)) +
		" ENGINE = Distributed(" + ident(l.cluster) + ", " + ident(l.db) + ", " + ident(l.shardTable(name)) + ", cityHash64(trace_id))"
	return []string{shard, dist}
}

var migrations = []migration{
	{1, "documents, summaries and config", func(l layout) []string {
		var out []string
		out = append(out, createData(l, "documents",
			"day Date, trace_id String, id String, stamp UInt64"+l.codec("DoubleDelta, LZ4")+
				", complete UInt8, raw String"+l.codec("ZSTD(1)"),
			l.mergeTree("", "", "documents"),
			"PARTITION BY day ORDER BY (trace_id, id) SETTINGS index_granularity = 1024")...)
		out = append(out, createData(l, "summaries",
			"day Date, trace_id String, rev UInt64, max_stamp UInt64, tepoch UInt64, tstart UInt64, tend UInt64, "+
				"terms Array(String)"+l.codec("ZSTD(1)")+", summary String"+l.codec("ZSTD(1)"),
			l.mergeTree("Replacing", "rev", "summaries"),
			"PARTITION BY day ORDER BY trace_id SETTINGS index_granularity = 1024")...)
		// Configuration records are small and few: one unsharded table,
		// of which every server of a cluster holds a replica.
		out = append(out, "CREATE TABLE IF NOT EXISTS "+l.table("config")+l.onCluster()+
			" (kind String, name String, seq UInt64, version UInt64, deleted UInt8, value String) ENGINE = "+
			l.replicated("Replacing", "seq", "all", "{shard}-{replica}", "config")+" ORDER BY (kind, name)")
		return out
	}},
	// Version 2 changes what rows hold, not the tables: documents are
	// stored without the trace and document IDs their columns hold
	// (docform.go) and summaries in the binary encoding (summaryform.go).
	// Rows of version 1 stay as they are and read alike, until retention
	// drops their days. Recording the version makes a Lightbox from before
	// it refuse the database instead of misreading the new rows: stop
	// older nodes before starting newer ones.
	{2, "documents without their IDs, binary summaries", func(layout) []string { return nil }},
}

// migrate creates the database and brings the schema to the newest
// version. Every statement is idempotent (IF NOT EXISTS), so several nodes
// may migrate at once; each records the versions it applied, and the
// newest recorded version is the schema's.
func (s *Store) migrate(ctx context.Context) error {
	return s.migrateTo(ctx, migrations[len(migrations)-1].version)
}

// migrateTo applies the migrations up to version upTo (tests build older
// databases with it).
func (s *Store) migrateTo(ctx context.Context, upTo int) error {
	l := s.layout
	if err := s.c.exec(ctx, "CREATE DATABASE IF NOT EXISTS "+ident(l.db)+l.onCluster()); err != nil {
		return fmt.Errorf("cannot create database %s: %w", l.db, err)
	}
	if err := s.c.exec(ctx, "CREATE TABLE IF NOT EXISTS "+l.table("schema_migrations")+l.onCluster()+
		" (version UInt32, name String, applied_at DateTime) ENGINE = MergeTree ORDER BY version"); err != nil {
		return fmt.Errorf("cannot create the migrations table: %w", err)
	}
	cur, err := s.schemaVersion(ctx)
	if err != nil {
		return err
	}
	newest := migrations[len(migrations)-1].version
	if cur > newest {
		return fmt.Errorf("database %s has schema version %d, newer than this Lightbox knows (%d): upgrade Lightbox", l.db, cur, newest)
	}
	for _, m := range migrations {
		if m.version <= cur || m.version > upTo {
			continue
		}
		for _, stmt := range m.stmts(l) {
			if err := s.c.exec(ctx, stmt); err != nil && !isCode(err, codeDuplicateColumn) && !isCode(err, codeTableAlreadyExists) {
				return fmt.Errorf("cannot apply schema migration %d (%s): %w", m.version, m.name, err)
			}
		}
		var w rowWriter
		w.u32(uint32(m.version))
		w.str(m.name)
		w.u32(uint32(s.now().Unix()))
		if err := s.c.insert(ctx, l.table("schema_migrations"), []string{"version", "name", "applied_at"}, w.b, nil); err != nil {
			return fmt.Errorf("cannot record schema migration %d: %w", m.version, err)
		}
		s.log.Info("applied schema migration", "version", m.version, "name", m.name)
	}
	return nil
}

// schemaVersion is the newest migration recorded.
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	b, err := s.c.query(ctx, "SELECT toUInt32(max(version)) FROM "+s.layout.table("schema_migrations"))
	if err != nil {
		return 0, fmt.Errorf("cannot read the schema version: %w", err)
	}
	r := rowReader{b: b}
	v := r.u32()
	if r.err != nil {
		return 0, fmt.Errorf("cannot read the schema version: %w", r.err)
	}
	return int(v), nil
}
