package sampling

import (
	"testing"
	"time"
)

func TestReservoirSplit(t *testing.T) {
	now := time.Unix(1700000000, 0)
	tests := []struct {
		name    string
		size    int
		reports map[string]int64 // earlier reports
		client  string
		reqs    int64
		want    int
	}{
		{"alone", 1, nil, "a", 0, 1},
		{"alone with demand", 10, nil, "a", 7, 10},
		// a: floor(10·10/40) = 2, b: floor(10·30/40) = 7; the leftover 1
		// goes to the busiest, b.
		{"proportional", 10, map[string]int64{"b": 30}, "a", 10, 2},
		{"proportional busiest", 10, map[string]int64{"b": 10}, "a", 30, 8},
		{"idle split", 3, map[string]int64{"b": 0, "c": 0}, "a", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReservoirs()
			r.rules["rule"] = map[string]clientReport{}
			for id, n := range tt.reports {
				r.rules["rule"][id] = clientReport{at: now, requests: n}
			}
			if got := r.quota("rule", tt.client, tt.size, clientReport{requests: tt.reqs}, now); got != tt.want {
				t.Errorf("quota = %d, want %d", got, tt.want)
			}
		})
	}
}

// A client that joins gets only what the others' outstanding quotas leave,
// until they poll again: the quotas held never add up to more than size.
func TestReservoirNeverOvercommits(t *testing.T) {
	now := time.Unix(1700000000, 0)
	r := newReservoirs()
	poll := func(id string) int { return r.quota("rule", id, 1, clientReport{requests: 10}, now) }
	held := map[string]int{}
	for round := range 4 {
		for _, id := range []string{"a", "b", "c"} {
			held[id] = poll(id)
			total := held["a"] + held["b"] + held["c"]
			if total > 1 {
				t.Fatalf("round %d after %s polled: quotas %v add up to %d > 1", round, id, held, total)
			}
		}
	}
	if held["a"]+held["b"]+held["c"] != 1 {
		t.Fatalf("steady state quotas %v, want the reservoir handed out", held)
	}
}
