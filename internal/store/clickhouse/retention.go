package clickhouse

import (
	"context"
	"strconv"
)

// dropExpired drops the day partitions of documents and summaries that end
// before the retention cutoff: whole parts go, so disk space really comes
// back (18.16 has no TTL clause; this works on every version).
func (s *Store) dropExpired(ctx context.Context) {
	cutoff := dayOf(float64(s.now().Add(-s.opts.Retention).Unix()))
	l := s.layout
	tables := []string{l.shardTable("documents"), l.shardTable("summaries")}
	b, err := s.c.query(ctx, "SELECT DISTINCT table, partition_id FROM system.parts WHERE active AND database = "+quote(l.db)+
		" AND table IN ("+quoteList(tables)+") AND toUInt16(max_date) < "+strconv.Itoa(int(cutoff)))
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("cannot list expired partitions", "err", err)
		}
		return
	}
	r := rowReader{b: b}
	for r.more() {
		table, part := r.str(), r.str()
		if r.err != nil {
			break
		}
		if err := s.c.exec(ctx, "ALTER TABLE "+l.table(table)+l.onCluster()+" DROP PARTITION ID "+quote(part)); err != nil {
			s.log.Warn("cannot drop an expired partition", "table", table, "partition", part, "err", err)
			continue
		}
		s.log.Info("dropped an expired partition", "table", table, "partition", part)
	}
}
