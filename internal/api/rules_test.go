package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"

	"github.com/lightbox-tracing/lightbox/internal/store/local"
)

func sdkRule(name string, priority int32) *types.SamplingRule {
	return &types.SamplingRule{
		RuleName: aws.String(name), ResourceARN: aws.String("*"), Priority: aws.Int32(priority), FixedRate: 0.5,
		ReservoirSize: 3, ServiceName: aws.String("shop"), ServiceType: aws.String("*"), Host: aws.String("*"),
		HTTPMethod: aws.String("GET"), URLPath: aws.String("/api/*"), Version: aws.Int32(1),
	}
}

func ruleNames(t *testing.T, c *xray.Client) string {
	t.Helper()
	out, err := c.GetSamplingRules(context.Background(), &xray.GetSamplingRulesInput{})
	if err != nil {
		t.Fatalf("GetSamplingRules: %v", err)
	}
	var names []string
	for _, r := range out.SamplingRuleRecords {
		names = append(names, fmt.Sprintf("%s:%v", aws.ToString(r.SamplingRule.RuleName), r.SamplingRule.FixedRate))
	}
	return strings.Join(names, " ")
}

func TestSamplingRuleLifecycle(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Region, o.AccountID = "eu-west-1", "123456789012" })
	ctx := context.Background()
	created, err := e.client.CreateSamplingRule(ctx, &xray.CreateSamplingRuleInput{SamplingRule: sdkRule("api", 50),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("shop")}}})
	if err != nil {
		t.Fatalf("CreateSamplingRule: %v", err)
	}
	r := created.SamplingRuleRecord.SamplingRule
	if aws.ToString(r.RuleARN) != "arn:aws:xray:eu-west-1:123456789012:sampling-rule/api" || aws.ToString(r.URLPath) != "/api/*" ||
		created.SamplingRuleRecord.CreatedAt == nil || created.SamplingRuleRecord.CreatedAt.Unix() != 1700000000 {
		t.Fatalf("created record %+v / %+v", created.SamplingRuleRecord, r)
	}
	if _, err := e.client.CreateSamplingRule(ctx, &xray.CreateSamplingRuleInput{SamplingRule: sdkRule("first", 1)}); err != nil {
		t.Fatal(err)
	}
	if got := ruleNames(t, e.client); got != "first:0.5 api:0.5 Default:0.05" {
		t.Fatalf("rules = %s; want by priority, Default last", got)
	}

	up, err := e.client.UpdateSamplingRule(ctx, &xray.UpdateSamplingRuleInput{SamplingRuleUpdate: &types.SamplingRuleUpdate{
		RuleARN: r.RuleARN, FixedRate: aws.Float64(1), Priority: aws.Int32(2)}})
	if err != nil {
		t.Fatalf("UpdateSamplingRule: %v", err)
	}
	if up.SamplingRuleRecord.SamplingRule.FixedRate != 1 || aws.ToString(up.SamplingRuleRecord.SamplingRule.URLPath) != "/api/*" {
		t.Fatalf("updated %+v", up.SamplingRuleRecord.SamplingRule)
	}
	if _, err := e.client.UpdateSamplingRule(ctx, &xray.UpdateSamplingRuleInput{SamplingRuleUpdate: &types.SamplingRuleUpdate{
		RuleName: aws.String("Default"), ReservoirSize: aws.Int32(5), FixedRate: aws.Float64(0.1)}}); err != nil {
		t.Fatalf("update Default: %v", err)
	}
	if got := ruleNames(t, e.client); got != "first:0.5 api:1 Default:0.1" {
		t.Fatalf("rules after updates = %s", got)
	}

	del, err := e.client.DeleteSamplingRule(ctx, &xray.DeleteSamplingRuleInput{RuleName: aws.String("api")})
	if err != nil || aws.ToString(del.SamplingRuleRecord.SamplingRule.RuleName) != "api" {
		t.Fatalf("DeleteSamplingRule = %+v, %v", del, err)
	}
	if got := ruleNames(t, e.client); got != "first:0.5 Default:0.1" {
		t.Fatalf("rules after delete = %s", got)
	}
	// The deleted rule's ARN is no longer taggable.
	var nf *types.ResourceNotFoundException
	_, err = e.client.ListTagsForResource(ctx, &xray.ListTagsForResourceInput{ResourceARN: r.RuleARN})
	if !errors.As(err, &nf) || aws.ToString(nf.ResourceName) != aws.ToString(r.RuleARN) {
		t.Fatalf("tags of a deleted rule: err = %v, want ResourceNotFoundException naming the ARN", err)
	}
}

func TestSamplingRuleErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	create := func(change func(*types.SamplingRule)) error {
		r := sdkRule("r", 10)
		change(r)
		_, err := e.client.CreateSamplingRule(ctx, &xray.CreateSamplingRuleInput{SamplingRule: r})
		return err
	}
	for _, tt := range []struct {
		name   string
		change func(*types.SamplingRule)
		msg    string
	}{
		{"name too long", func(r *types.SamplingRule) { r.RuleName = aws.String(strings.Repeat("n", 33)) }, "is 33 characters long; it must be 1 to 32"},
		{"name missing", func(r *types.SamplingRule) { r.RuleName = nil }, "SamplingRule: member RuleName is required"},
		{"priority 0", func(r *types.SamplingRule) { r.Priority = aws.Int32(0) }, "Priority 0 is not between 1 and 9999"},
		{"fixed rate", func(r *types.SamplingRule) { r.FixedRate = 1.5 }, "FixedRate 1.5 is not between 0 and 1"},
		{"reservoir", func(r *types.SamplingRule) { r.ReservoirSize = -1 }, "ReservoirSize -1 is negative"},
		{"version", func(r *types.SamplingRule) { r.Version = aws.Int32(2) }, "Version 2 is not supported; it must be 1"},
		{"service name", func(r *types.SamplingRule) { r.ServiceName = aws.String(strings.Repeat("s", 65)) }, "ServiceName"},
		{"service type", func(r *types.SamplingRule) { r.ServiceType = aws.String(strings.Repeat("s", 65)) }, "ServiceType"},
		{"host", func(r *types.SamplingRule) { r.Host = aws.String(strings.Repeat("h", 65)) }, "Host"},
		{"method", func(r *types.SamplingRule) { r.HTTPMethod = aws.String("PROPFINDXYZ") }, "HTTPMethod \"PROPFINDXYZ\" is 11 characters long"},
		{"path", func(r *types.SamplingRule) { r.URLPath = aws.String("/" + strings.Repeat("p", 128)) }, "URLPath"},
		{"resource arn", func(r *types.SamplingRule) { r.ResourceARN = aws.String(strings.Repeat("a", 501)) }, "ResourceARN"},
		{"attributes", func(r *types.SamplingRule) {
			r.Attributes = map[string]string{"a": "1", "b": "1", "c": "1", "d": "1", "e": "1", "f": "1"}
		}, "Attributes has 6 entries; the limit is 5"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ire *types.InvalidRequestException
			if err := create(tt.change); !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), tt.msg) {
				t.Fatalf("err = %v, want InvalidRequestException containing %q", err, tt.msg)
			}
		})
	}

	// The SDK checks required members itself; other clients may not.
	status, _, body := e.post(t, "/CreateSamplingRule", jsonBody(`{"SamplingRule":{"RuleName":"x","ResourceARN":"*","FixedRate":0.1,"ReservoirSize":1,"ServiceName":"*","ServiceType":"*","Host":"*","HTTPMethod":"*","URLPath":"*","Version":1}}`), nil)
	if status != 400 || !strings.Contains(string(body), "SamplingRule: member Priority is required") {
		t.Errorf("rule without Priority: %d %s", status, body)
	}

	var ire *types.InvalidRequestException
	check := func(what string, err error, msg string) {
		t.Helper()
		if !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), msg) {
			t.Errorf("%s: err = %v, want InvalidRequestException containing %q", what, err, msg)
		}
	}
	_, err := e.client.DeleteSamplingRule(ctx, &xray.DeleteSamplingRuleInput{RuleName: aws.String("Default")})
	check("delete Default", err, "the Default rule cannot be deleted")
	_, err = e.client.DeleteSamplingRule(ctx, &xray.DeleteSamplingRuleInput{RuleName: aws.String("nope")})
	check("delete unknown", err, `sampling rule "nope" does not exist`)
	_, err = e.client.UpdateSamplingRule(ctx, &xray.UpdateSamplingRuleInput{SamplingRuleUpdate: &types.SamplingRuleUpdate{
		RuleName: aws.String("Default"), URLPath: aws.String("/x")}})
	check("update Default path", err, "only FixedRate and ReservoirSize of the Default rule can be updated")
	_, err = e.client.UpdateSamplingRule(ctx, &xray.UpdateSamplingRuleInput{SamplingRuleUpdate: &types.SamplingRuleUpdate{FixedRate: aws.Float64(1)}})
	check("update without a name", err, "either RuleName or RuleARN is required")
	_, err = e.client.UpdateSamplingRule(ctx, &xray.UpdateSamplingRuleInput{SamplingRuleUpdate: &types.SamplingRuleUpdate{
		RuleName: aws.String("Default"), RuleARN: aws.String("arn:aws:xray:us-east-1:000000000000:sampling-rule/Default")}})
	check("update by name and ARN", err, "give RuleName or RuleARN, not both")
	_, err = e.client.UpdateSamplingRule(ctx, &xray.UpdateSamplingRuleInput{SamplingRuleUpdate: &types.SamplingRuleUpdate{
		RuleARN: aws.String("arn:aws:xray:us-east-1:000000000000:sampling-rule/nope")}})
	check("update unknown ARN", err, `no sampling rule has ARN "arn:aws:xray:us-east-1:000000000000:sampling-rule/nope"`)
	_, err = e.client.UpdateSamplingRule(ctx, &xray.UpdateSamplingRuleInput{SamplingRuleUpdate: &types.SamplingRuleUpdate{
		RuleName: aws.String("Default"), FixedRate: aws.Float64(2)}})
	check("update Default rate", err, "FixedRate 2 is not between 0 and 1")
	if _, err := e.client.CreateSamplingRule(ctx, &xray.CreateSamplingRuleInput{SamplingRule: sdkRule("u", 10)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.UpdateSamplingRule(ctx, &xray.UpdateSamplingRuleInput{SamplingRuleUpdate: &types.SamplingRuleUpdate{
		RuleName: aws.String("u"), Priority: aws.Int32(10000)}})
	check("update priority", err, "Priority 10000 is not between 1 and 9999")
	if _, err := e.client.DeleteSamplingRule(ctx, &xray.DeleteSamplingRuleInput{RuleName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}

	for i := range 25 {
		if _, err := e.client.CreateSamplingRule(ctx, &xray.CreateSamplingRuleInput{SamplingRule: sdkRule(fmt.Sprint("r", i), 10)}); err != nil {
			t.Fatalf("rule %d: %v", i, err)
		}
	}
	_, err = e.client.CreateSamplingRule(ctx, &xray.CreateSamplingRuleInput{SamplingRule: sdkRule("r0", 10)})
	check("duplicate", err, `a sampling rule named "r0" already exists`)
	var rle *types.RuleLimitExceededException
	_, err = e.client.CreateSamplingRule(ctx, &xray.CreateSamplingRuleInput{SamplingRule: sdkRule("one-more", 10)})
	if !errors.As(err, &rle) || !strings.Contains(rle.ErrorMessage(), "25") {
		t.Errorf("26th rule: err = %v, want RuleLimitExceededException", err)
	}
}

// LastRuleModification moves when rules change and only then (quirk 19);
// targets carry the rule's own FixedRate and reservoir.
func TestSamplingTargetsFollowRules(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	report := func(rule string) *xray.GetSamplingTargetsOutput {
		t.Helper()
		out, err := e.client.GetSamplingTargets(ctx, &xray.GetSamplingTargetsInput{SamplingStatisticsDocuments: []types.SamplingStatisticsDocument{{
			RuleName: aws.String(rule), ClientID: aws.String("0123456789abcdef01234567"), Timestamp: &now, RequestCount: 4, SampledCount: 2,
		}}})
		if err != nil {
			t.Fatalf("GetSamplingTargets: %v", err)
		}
		return out
	}
	before := report("Default").LastRuleModification
	if again := report("Default").LastRuleModification; !again.Equal(*before) {
		t.Fatalf("LastRuleModification moved without a change: %v → %v", before, again)
	}
	if out := report("api"); len(out.UnprocessedStatistics) != 1 || aws.ToString(out.UnprocessedStatistics[0].ErrorCode) != "400" {
		t.Fatalf("report on an unknown rule: %+v", out.UnprocessedStatistics)
	}
	if _, err := e.client.CreateSamplingRule(ctx, &xray.CreateSamplingRuleInput{SamplingRule: sdkRule("api", 5)}); err != nil {
		t.Fatal(err)
	}
	out := report("api")
	if !out.LastRuleModification.After(*before) {
		t.Fatalf("LastRuleModification did not move on create: %v → %v", before, out.LastRuleModification)
	}
	d := out.SamplingTargetDocuments[0]
	if len(out.UnprocessedStatistics) != 0 || aws.ToString(d.RuleName) != "api" || d.FixedRate != 0.5 || aws.ToInt32(d.ReservoirQuota) != 3 {
		t.Fatalf("target %+v (unprocessed %+v)", d, out.UnprocessedStatistics)
	}
	sums, err := e.client.GetSamplingStatisticSummaries(ctx, &xray.GetSamplingStatisticSummariesInput{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int32{}
	for _, s := range sums.SamplingStatisticSummaries {
		got[aws.ToString(s.RuleName)] = [2]int32{s.RequestCount, s.SampledCount}
	}
	if got["api"] != [2]int32{4, 2} || got["Default"] != [2]int32{4, 2} || len(got) != 2 {
		t.Fatalf("statistic summaries = %v", got)
	}
}

// Rules, groups and tags survive a restart of the engine.
func TestConfigPersists(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	open := func() (*local.Store, *xray.Client, func()) {
		st, err := local.Open(local.Options{Dir: dir, RetentionInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, func(o *Options) { o.Config = st })
		return st, e.client, func() {
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, c, closeStore := open()
	rule, err := c.CreateSamplingRule(ctx, &xray.CreateSamplingRuleInput{SamplingRule: sdkRule("api", 5)})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("slow"), FilterExpression: aws.String("responsetime > 1"),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &xray.TagResourceInput{ResourceARN: rule.SamplingRuleRecord.SamplingRule.RuleARN,
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("shop")}}}); err != nil {
		t.Fatal(err)
	}
	closeStore()

	_, c, closeStore = open()
	defer closeStore()
	if got := ruleNames(t, c); got != "api:0.5 Default:0.05" {
		t.Fatalf("rules after restart = %s", got)
	}
	got, err := c.GetGroup(ctx, &xray.GetGroupInput{GroupARN: g.Group.GroupARN})
	if err != nil || aws.ToString(got.Group.FilterExpression) != "responsetime > 1" {
		t.Fatalf("group after restart = %+v, %v", got, err)
	}
	for arn, want := range map[string]string{aws.ToString(g.Group.GroupARN): "env=prod", aws.ToString(rule.SamplingRuleRecord.SamplingRule.RuleARN): "team=shop"} {
		tags, err := c.ListTagsForResource(ctx, &xray.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
		if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key)+"="+aws.ToString(tags.Tags[0].Value) != want {
			t.Fatalf("tags of %s after restart = %+v, %v", arn, tags, err)
		}
	}
}
