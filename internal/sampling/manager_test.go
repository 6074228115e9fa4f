package sampling

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store/local"
)

func validRule(name string) Rule {
	return Rule{RuleName: name, ResourceARN: "*", Priority: 100, FixedRate: 0.5, ReservoirSize: 2,
		ServiceName: "*", ServiceType: "*", Host: "*", HTTPMethod: "*", URLPath: "/api/*", Version: 1}
}

func TestValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name   string
		change func(*Rule)
		want   string // substring of the error; "" = valid
	}{
		{"valid", func(*Rule) {}, ""},
		{"empty name", func(r *Rule) { r.RuleName = "" }, "RuleName must not be empty"},
		{"long name", func(r *Rule) { r.RuleName = long(33) }, "RuleName"},
		{"name 32", func(r *Rule) { r.RuleName = long(32) }, ""},
		{"priority 0", func(r *Rule) { r.Priority = 0 }, "Priority 0 is not between 1 and 9999"},
		{"priority 10000", func(r *Rule) { r.Priority = 10000 }, "Priority 10000"},
		{"fixed rate high", func(r *Rule) { r.FixedRate = 1.01 }, "FixedRate 1.01 is not between 0 and 1"},
		{"fixed rate negative", func(r *Rule) { r.FixedRate = -0.1 }, "FixedRate"},
		{"reservoir negative", func(r *Rule) { r.ReservoirSize = -1 }, "ReservoirSize -1 is negative"},
		{"version 2", func(r *Rule) { r.Version = 2 }, "Version 2 is not supported"},
		{"service name long", func(r *Rule) { r.ServiceName = long(65) }, "ServiceName"},
		{"service type long", func(r *Rule) { r.ServiceType = long(65) }, "ServiceType"},
		{"host long", func(r *Rule) { r.Host = long(65) }, "Host"},
		{"method long", func(r *Rule) { r.HTTPMethod = long(11) }, "HTTPMethod"},
		{"path long", func(r *Rule) { r.URLPath = long(129) }, "URLPath"},
		{"path 128 with wildcards", func(r *Rule) { r.URLPath = "/?" + long(125) + "*" }, ""},
		{"resource arn long", func(r *Rule) { r.ResourceARN = long(501) }, "ResourceARN"},
		{"six attributes", func(r *Rule) {
			r.Attributes = map[string]string{"a": "1", "b": "1", "c": "1", "d": "1", "e": "1", "f": "1"}
		}, "Attributes has 6 entries; the limit is 5"},
		{"attribute value long", func(r *Rule) { r.Attributes = map[string]string{"a": long(33)} }, `Attributes["a"]`},
		{"attribute key empty", func(r *Rule) { r.Attributes = map[string]string{"": "x"} }, "Attributes key must not be empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validRule("r")
			c.change(&r)
			err := r.validate()
			var ve *ValidationError
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("validate = %v, want nil", err)
			case c.want != "" && (err == nil || !errors.As(err, &ve) || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("validate = %v, want a ValidationError containing %q", err, c.want)
			}
		})
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func openManager(t *testing.T, dir string, c *clock) (*Manager, func()) {
	t.Helper()
	s, err := local.Open(local.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Store: s, Now: c.now, Region: "eu-west-1", AccountID: "123456789012"})
	return m, func() { _ = s.Close() }
}

func TestRulesPersistAndDefault(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := &clock{time.Unix(1_700_000_000, 0)}
	m, closeStore := openManager(t, dir, c)

	if lm, _ := m.LastModification(ctx); lm != 0 {
		t.Fatalf("LastModification with only Default = %v, want 0", lm)
	}
	rec, err := m.Create(ctx, validRule("api"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.SamplingRule.RuleARN != "arn:aws:xray:eu-west-1:123456789012:sampling-rule/api" || rec.CreatedAt != 1_700_000_000 {
		t.Fatalf("created %+v", rec)
	}
	if _, err := m.Create(ctx, validRule("api")); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate create: %v", err)
	}
	name := DefaultRuleName
	if _, err := m.Delete(ctx, &name, nil); err == nil || !strings.Contains(err.Error(), "cannot be deleted") {
		t.Fatalf("delete Default: %v", err)
	}
	path := "/x"
	if _, err := m.Update(ctx, Update{RuleName: &name, URLPath: &path}); err == nil || !strings.Contains(err.Error(), "only FixedRate and ReservoirSize") {
		t.Fatalf("update Default path: %v", err)
	}
	c.t = c.t.Add(time.Second)
	rate := 0.25
	if _, err := m.Update(ctx, Update{RuleName: &name, FixedRate: &rate}); err != nil {
		t.Fatal(err)
	}
	lm1, _ := m.LastModification(ctx)
	if lm1 != 1_700_000_001 {
		t.Fatalf("LastModification after update = %v", lm1)
	}
	closeStore()

	m, closeStore = openManager(t, dir, c)
	defer closeStore()
	rules, err := m.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 || rules[0].SamplingRule.RuleName != "api" || rules[1].SamplingRule.RuleName != DefaultRuleName ||
		rules[1].SamplingRule.FixedRate != 0.25 || rules[1].CreatedAt != 0 {
		t.Fatalf("rules after reopen: %+v", rules)
	}
	api := "api"
	c.t = c.t.Add(time.Second)
	if _, err := m.Delete(ctx, &api, nil); err != nil {
		t.Fatal(err)
	}
	if lm, _ := m.LastModification(ctx); lm <= lm1 {
		t.Fatalf("LastModification did not move on delete: %v", lm)
	}
	if _, err := m.Delete(ctx, &api, nil); !errors.Is(err, ErrNoRule) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestRuleLimit(t *testing.T) {
	ctx := context.Background()
	m := New(Options{})
	for i := range MaxRules {
		if _, err := m.Create(ctx, validRule("r"+string(rune('a'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Create(ctx, validRule("one-more")); !errors.Is(err, ErrRuleLimit) {
		t.Fatalf("rule %d: err = %v, want ErrRuleLimit", MaxRules+1, err)
	}
}

func TestTargetsSplitReservoir(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Unix(1_700_000_000, 0)}
	m := New(Options{Now: c.now})
	r := validRule("shared")
	r.ReservoirSize = 10
	if _, err := m.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	report := func(client string, requests int64) Targets {
		t.Helper()
		out, err := m.Targets(ctx, []Statistics{{RuleName: "shared", ClientID: client, RequestCount: requests, Timestamp: 1}, {RuleName: "gone", ClientID: client}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Unprocessed) != 1 || out.Unprocessed[0].ErrorCode != "400" {
			t.Fatalf("unprocessed = %+v", out.Unprocessed)
		}
		return out
	}
	a := report("aaaaaaaaaaaaaaaaaaaaaaaa", 30)
	if q := a.Targets[0].ReservoirQuota; q != 10 {
		t.Fatalf("single client quota = %d, want 10", q)
	}
	// b joins while a holds the whole reservoir until a polls again.
	if q := report("bbbbbbbbbbbbbbbbbbbbbbbb", 10).Targets[0].ReservoirQuota; q != 0 {
		t.Fatalf("newcomer quota while a holds all = %d, want 0", q)
	}
	a = report("aaaaaaaaaaaaaaaaaaaaaaaa", 30)
	b := report("bbbbbbbbbbbbbbbbbbbbbbbb", 10)
	qa, qb := a.Targets[0].ReservoirQuota, b.Targets[0].ReservoirQuota
	if qa != 8 || qb != 2 { // 7.5 + the leftover to the busiest; 2.5 floored
		t.Fatalf("split 30:10 of 10 = %d, %d; want 8, 2", qa, qb)
	}
	tg := a.Targets[0]
	if tg.FixedRate != 0.5 || tg.Interval != 10 || tg.ReservoirQuotaTTL != 1_700_000_300 {
		t.Fatalf("target %+v", tg)
	}
	c.t = c.t.Add(2 * time.Minute) // b stops reporting
	if q := report("aaaaaaaaaaaaaaaaaaaaaaaa", 30).Targets[0].ReservoirQuota; q != 10 {
		t.Fatalf("quota after the other client went quiet = %d, want 10", q)
	}
	sums, err := m.Summaries(ctx)
	if err != nil || len(sums) != 1 || sums[0].RequestCount != 30 {
		t.Fatalf("summaries = %+v, %v", sums, err)
	}
}
