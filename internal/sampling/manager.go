package sampling

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
)

// Errors the API maps to X-Ray error codes.
var (
	ErrRuleLimit = errors.New("rule limit exceeded")
	ErrNoRule    = errors.New("no such sampling rule")
)

// Options configures a Manager.
type Options struct {
	// Store persists rules; nil keeps them in memory only.
	Store store.ConfigStore
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Region and AccountID appear in rule ARNs.
	Region, AccountID string
}

// Manager owns the sampling rules and the reservoir split. It is safe for
// concurrent use. It caches every rule in memory (there are at most 26);
// its mutex orders this process's changes and the store's
// compare-and-set refuses changes made behind its back.
type Manager struct {
	opts Options
	res  *reservoirs

	mu      sync.Mutex
	loaded  bool
	rules   map[string]entry
	lastMod float64 // max ModifiedAt, and the time of the last deletion
}

type entry struct {
	rec     Record
	version uint64 // store version; 0: not stored (the built-in Default)
}

// New returns a Manager.
func New(opts Options) *Manager {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Manager{opts: opts, res: newReservoirs()}
}

// RuleARN returns the ARN of the rule named name.
func (m *Manager) RuleARN(name string) string {
	return fmt.Sprintf("arn:aws:xray:%s:%s:sampling-rule/%s", m.opts.Region, m.opts.AccountID, name)
}

func (m *Manager) defaultRule() Record {
	return Record{SamplingRule: Rule{
		RuleName: DefaultRuleName, RuleARN: m.RuleARN(DefaultRuleName), ResourceARN: "*",
		Priority: DefaultPriority, FixedRate: DefaultFixedRate, ReservoirSize: DefaultReservoirSize,
		ServiceName: "*", ServiceType: "*", Host: "*", HTTPMethod: "*", URLPath: "*",
		Version: 1, Attributes: map[string]string{},
	}}
}

// load fills the cache from the store once. m.mu is held.
func (m *Manager) load(ctx context.Context) error {
	if m.loaded {
		return nil
	}
	m.rules = map[string]entry{DefaultRuleName: {rec: m.defaultRule()}}
	if m.opts.Store != nil {
		recs, err := m.opts.Store.ListConfig(ctx, store.ConfigSamplingRule)
		if err != nil {
			return fmt.Errorf("cannot load sampling rules: %w", err)
		}
		for _, cr := range recs {
			var r Record
			if err := json.Unmarshal(cr.Value, &r); err != nil {
				return fmt.Errorf("cannot decode sampling rule %q: %w", cr.Name, err)
			}
			r.SamplingRule.RuleARN = m.RuleARN(r.SamplingRule.RuleName)
			m.rules[cr.Name] = entry{rec: r, version: cr.Version}
			m.lastMod = max(m.lastMod, r.ModifiedAt)
		}
	}
	m.loaded = true
	return nil
}

// save writes e's record; m.mu is held.
func (m *Manager) save(ctx context.Context, e entry) (entry, error) {
	if m.opts.Store != nil {
		b, err := json.Marshal(e.rec)
		if err != nil {
			return e, fmt.Errorf("cannot encode sampling rule: %w", err)
		}
		v, err := m.opts.Store.PutConfig(ctx, store.ConfigSamplingRule, e.rec.SamplingRule.RuleName, e.version, b)
		if err != nil {
			return e, fmt.Errorf("cannot save sampling rule %q: %w", e.rec.SamplingRule.RuleName, err)
		}
		e.version = v
	}
	m.rules[e.rec.SamplingRule.RuleName] = e
	m.lastMod = max(m.lastMod, e.rec.ModifiedAt)
	return e, nil
}

// stamp returns now in Unix seconds, strictly after the last modification
// so that every change moves LastRuleModification.
func (m *Manager) stamp() float64 {
	now := float64(m.opts.Now().UnixNano()) / 1e9
	return max(now, m.lastMod+0.001)
}

// Create adds a rule.
func (m *Manager) Create(ctx context.Context, r Rule) (Record, error) {
	if r.Attributes == nil {
		r.Attributes = map[string]string{}
	}
	if err := r.validate(); err != nil {
		return Record{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return Record{}, err
	}
	if _, ok := m.rules[r.RuleName]; ok {
		return Record{}, invalid("a sampling rule named %q already exists", r.RuleName)
	}
	if len(m.rules)-1 >= MaxRules {
		return Record{}, fmt.Errorf("%w: there are already %d sampling rules besides Default, the limit", ErrRuleLimit, MaxRules)
	}
	r.RuleARN = m.RuleARN(r.RuleName)
	t := m.stamp()
	e, err := m.save(ctx, entry{rec: Record{SamplingRule: r, CreatedAt: t, ModifiedAt: t}})
	return e.rec, err
}

// find returns the entry named by name or arn (exactly one must be set);
// m.mu is held and the cache loaded.
func (m *Manager) find(name, arn *string) (entry, error) {
	switch {
	case name == nil && arn == nil:
		return entry{}, invalid("either RuleName or RuleARN is required")
	case name != nil && arn != nil:
		return entry{}, invalid("give RuleName or RuleARN, not both")
	}
	if arn != nil {
		for _, e := range m.rules {
			if e.rec.SamplingRule.RuleARN == *arn {
				return e, nil
			}
		}
		return entry{}, fmt.Errorf("%w: no sampling rule has ARN %.200q", ErrNoRule, *arn)
	}
	e, ok := m.rules[*name]
	if !ok {
		return entry{}, fmt.Errorf("%w: sampling rule %.40q does not exist", ErrNoRule, *name)
	}
	return e, nil
}

// Update changes a rule.
func (m *Manager) Update(ctx context.Context, u Update) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return Record{}, err
	}
	e, err := m.find(u.RuleName, u.RuleARN)
	if err != nil {
		return Record{}, err
	}
	r, err := u.apply(e.rec.SamplingRule)
	if err != nil {
		return Record{}, err
	}
	r.Attributes = maps.Clone(r.Attributes)
	e.rec.SamplingRule = r
	e.rec.ModifiedAt = m.stamp()
	e, err = m.save(ctx, e)
	return e.rec, err
}

// Delete removes a rule and returns it; Default cannot be deleted.
func (m *Manager) Delete(ctx context.Context, name, arn *string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return Record{}, err
	}
	e, err := m.find(name, arn)
	if err != nil {
		return Record{}, err
	}
	if e.rec.SamplingRule.RuleName == DefaultRuleName {
		return Record{}, invalid("the Default rule cannot be deleted")
	}
	if m.opts.Store != nil {
		if err := m.opts.Store.DeleteConfig(ctx, store.ConfigSamplingRule, e.rec.SamplingRule.RuleName, e.version); err != nil {
			return Record{}, fmt.Errorf("cannot delete sampling rule %q: %w", e.rec.SamplingRule.RuleName, err)
		}
	}
	m.lastMod = m.stamp()
	delete(m.rules, e.rec.SamplingRule.RuleName)
	m.res.forget(e.rec.SamplingRule.RuleName)
	return e.rec, nil
}

// Rules returns every rule, by priority then name; Default (10000) last.
func (m *Manager) Rules(ctx context.Context) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(m.rules))
	for _, e := range m.rules {
		out = append(out, e.rec)
	}
	slices.SortFunc(out, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.SamplingRule.Priority, b.SamplingRule.Priority),
			cmp.Compare(a.SamplingRule.RuleName, b.SamplingRule.RuleName))
	})
	return out, nil
}

// HasARN reports whether a rule has the ARN (tagging needs it).
func (m *Manager) HasARN(ctx context.Context, arn string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return false, err
	}
	_, err := m.find(nil, &arn)
	return err == nil, nil
}

// LastModification is the time rules last changed (Unix seconds).
func (m *Manager) LastModification(ctx context.Context) (float64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return 0, err
	}
	return m.lastMod, nil
}
