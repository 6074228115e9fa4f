package sampling

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// clientWindow is how long a client counts as active after its last
// statistics report; SDKs report every 10 s while they see requests.
const clientWindow = time.Minute

// reservoirs splits each rule's reservoir (traces per second across the
// fleet) among the SDK clients that reported on the rule recently, in
// proportion to their request counts: floors first, the remainder one by
// one to the busiest clients. Clients poll at different moments and each
// keeps its quota until its next poll, so a client never gets more than
// what the other active clients' outstanding quotas leave: the quotas held
// at any moment add up to at most the reservoir.
type reservoirs struct {
	mu    sync.Mutex
	rules map[string]map[string]clientReport // rule → client ID → last report
}

type clientReport struct {
	at                          time.Time
	requests, sampled, borrowed int64
	timestamp                   float64 // the report's own Timestamp
	granted                     int     // the quota this client was given
}

func newReservoirs() *reservoirs {
	return &reservoirs{rules: make(map[string]map[string]clientReport)}
}

// quota records a client's report and returns its share of size.
func (r *reservoirs) quota(rule, client string, size int, rep clientReport, now time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	clients := r.rules[rule]
	if clients == nil {
		clients = make(map[string]clientReport)
		r.rules[rule] = clients
	}
	rep.at = now
	clients[client] = rep
	held := 0 // quotas the other active clients hold until they poll again

	type share struct {
		id       string
		requests int64
		quota    int
	}
	shares := make([]share, 0, len(clients))
	var total int64
	for id, c := range clients {
		if now.Sub(c.at) > clientWindow {
			delete(clients, id)
			continue
		}
		shares = append(shares, share{id: id, requests: c.requests})
		total += c.requests
		if id != client {
			held += c.granted
		}
	}
	// Busiest first; ties by ID so that the split is deterministic.
	slices.SortFunc(shares, func(a, b share) int {
		return cmp.Or(cmp.Compare(b.requests, a.requests), cmp.Compare(a.id, b.id))
	})
	left := size
	if total > 0 {
		for i := range shares {
			shares[i].quota = int(int64(size) * shares[i].requests / total)
			left -= shares[i].quota
		}
	}
	for i := 0; left > 0 && len(shares) > 0; i = (i + 1) % len(shares) {
		shares[i].quota++
		left--
	}
	for _, s := range shares {
		if s.id == client {
			q := max(0, min(s.quota, size-held))
			rep.granted = q
			clients[client] = rep
			return q
		}
	}
	return 0
}

// forget drops a deleted rule's reports.
func (r *reservoirs) forget(rule string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.rules, rule)
}

// totals sums the last reports of the clients active on each rule.
func (r *reservoirs) totals(now time.Time) map[string]clientReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]clientReport, len(r.rules))
	for rule, clients := range r.rules {
		var t clientReport
		for _, c := range clients {
			if now.Sub(c.at) > clientWindow {
				continue
			}
			t.requests += c.requests
			t.sampled += c.sampled
			t.borrowed += c.borrowed
			t.timestamp = max(t.timestamp, c.timestamp)
		}
		if t.timestamp > 0 || t.requests > 0 {
			out[rule] = t
		}
	}
	return out
}
