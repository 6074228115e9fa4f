package local

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// maxCachedTables bounds the trace tables one query keeps decoded (about
// 12 KB each for a batch of 250 traces). A query reads minutes newest
// first and a batch's traces are from a few minutes, so a table is rarely
// needed again once evicted.
const maxCachedTables = 256

// tables reads trace tables (postings.go) for one query, from its snapshot,
// keeping the recently used ones decoded.
type tables struct {
	r     pebble.Reader
	cache map[tableID][]posting
	fifo  []tableID
}

type tableID struct {
	part uint32
	seq  uint64
}

func newTables(r pebble.Reader) *tables {
	return &tables{r: r, cache: make(map[tableID][]posting)}
}

// get returns the entries of the table of partition part written with seq.
func (t *tables) get(part uint32, seq uint64) ([]posting, error) {
	id := tableID{part, seq}
	if tbl, ok := t.cache[id]; ok {
		return tbl, nil
	}
	v, closer, err := t.r.Get(tableKey(part, seq))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("cannot read trace table %d of partition %d: %w", seq, part, errCorruptBlock)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read trace table %d of partition %d: %w", seq, part, err)
	}
	tbl, err := decodeTable(v)
	_ = closer.Close()
	if err != nil {
		return nil, fmt.Errorf("cannot decode trace table %d of partition %d: %w", seq, part, err)
	}
	if len(t.fifo) == maxCachedTables {
		delete(t.cache, t.fifo[0])
		t.fifo = append(t.fifo[:0], t.fifo[1:]...)
	}
	t.cache[id] = tbl
	t.fifo = append(t.fifo, id)
	return tbl, nil
}
