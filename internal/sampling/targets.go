package sampling

import (
	"context"
	"fmt"
	"slices"
)

// Target timing (§4.5): SDKs report every Interval seconds; a quota stays
// valid QuotaTTL seconds.
const (
	Interval = 10
	QuotaTTL = 300
)

// Statistics is one SDK client's report on one rule.
type Statistics struct {
	RuleName                                string
	ClientID                                string
	Timestamp                               float64
	RequestCount, SampledCount, BorrowCount int64
}

// Target is one rule's answer to a client.
type Target struct {
	RuleName          string
	FixedRate         float64
	ReservoirQuota    int32
	ReservoirQuotaTTL float64
	Interval          int32
}

// Unprocessed is a report that was not used. ErrorCode is an HTTP-like
// string: SDKs refetch rules on "4…" (quirk 18).
type Unprocessed struct {
	RuleName  string
	ErrorCode string
	Message   string
}

// Targets is GetSamplingTargets' result.
type Targets struct {
	Targets              []Target
	LastRuleModification float64
	Unprocessed          []Unprocessed
}

// Targets records the reports and returns each reported rule's target: the
// client's share of the reservoir and the rule's fixed rate.
func (m *Manager) Targets(ctx context.Context, stats []Statistics) (Targets, error) {
	m.mu.Lock()
	if err := m.load(ctx); err != nil {
		m.mu.Unlock()
		return Targets{}, err
	}
	rules := make(map[string]Rule, len(m.rules))
	for name, e := range m.rules {
		rules[name] = e.rec.SamplingRule
	}
	out := Targets{Targets: []Target{}, Unprocessed: []Unprocessed{}, LastRuleModification: m.lastMod}
	m.mu.Unlock()

	now := m.opts.Now()
	answered := map[string]int{}
	for _, s := range stats {
		r, ok := rules[s.RuleName]
		if !ok {
			out.Unprocessed = append(out.Unprocessed, UnknownRule(s.RuleName))
			continue
		}
		q := m.res.quota(s.RuleName, s.ClientID, int(r.ReservoirSize), clientReport{
			requests: s.RequestCount, sampled: s.SampledCount, borrowed: s.BorrowCount, timestamp: s.Timestamp,
		}, now)
		t := Target{
			RuleName:          s.RuleName,
			FixedRate:         r.FixedRate,
			ReservoirQuota:    int32(q),
			ReservoirQuotaTTL: float64(now.Unix() + QuotaTTL),
			Interval:          Interval,
		}
		// One target per rule; a later report on it replaces the quota.
		if i, ok := answered[s.RuleName]; ok {
			out.Targets[i] = t
			continue
		}
		answered[s.RuleName] = len(out.Targets)
		out.Targets = append(out.Targets, t)
	}
	return out, nil
}

// UnknownRule is the Unprocessed entry for a report on a rule that does
// not exist.
func UnknownRule(name string) Unprocessed {
	return Unprocessed{RuleName: name, ErrorCode: "400", Message: fmt.Sprintf("sampling rule %q does not exist", name)}
}

// Summary is GetSamplingStatisticSummaries' entry for one rule: the sums of
// the last reports of the clients active on it.
type Summary struct {
	RuleName                                string
	Timestamp                               float64
	RequestCount, SampledCount, BorrowCount int64
}

// Summaries returns the current statistics of each existing rule that
// clients report on, by rule name.
func (m *Manager) Summaries(ctx context.Context) ([]Summary, error) {
	m.mu.Lock()
	if err := m.load(ctx); err != nil {
		m.mu.Unlock()
		return nil, err
	}
	exists := make(map[string]bool, len(m.rules))
	for name := range m.rules {
		exists[name] = true
	}
	m.mu.Unlock()
	out := []Summary{}
	for rule, t := range m.res.totals(m.opts.Now()) {
		if !exists[rule] {
			continue
		}
		out = append(out, Summary{RuleName: rule, Timestamp: t.timestamp,
			RequestCount: t.requests, SampledCount: t.sampled, BorrowCount: t.borrowed})
	}
	slices.SortFunc(out, func(a, b Summary) int {
		if a.RuleName < b.RuleName {
			return -1
		}
		if a.RuleName > b.RuleName {
			return 1
		}
		return 0
	})
	return out, nil
}
