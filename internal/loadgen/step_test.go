package loadgen

import (
	"slices"
	"testing"
)

func TestParseRates(t *testing.T) {
	f := func(in string, want []float64) {
		t.Helper()
		got, err := ParseRates(in)
		if err != nil {
			t.Fatalf("ParseRates(%q): %v", in, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("ParseRates(%q) = %v, want %v", in, got, want)
		}
	}
	f("20000", []float64{20000})
	f("10k, 20K,25000,0.1M", []float64{10000, 20000, 25000, 100000})
	f("1.5k", []float64{1500})
	for _, bad := range []string{"", "fast", "10k,", "-5", "0", "1e400", "10x"} {
		if _, err := ParseRates(bad); err == nil {
			t.Errorf("ParseRates(%q) succeeded, want an error", bad)
		}
	}
}
