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
			for id, n := range tt.reports {
				r.quota("rule", id, tt.size, clientReport{requests: n}, now)
			}
			if got := r.quota("rule", tt.client, tt.size, clientReport{requests: tt.reqs}, now); got != tt.want {
				t.Errorf("quota = %d, want %d", got, tt.want)
			}
		})
	}
}
