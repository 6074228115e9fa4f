package api

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
)

var groupARNPattern = regexp.MustCompile(`^arn:aws:xray:eu-west-1:123456789012:group/slow/[A-Z2-7]{26}$`)

func groupNames(t *testing.T, c *xray.Client) string {
	t.Helper()
	out, err := c.GetGroups(context.Background(), &xray.GetGroupsInput{})
	if err != nil {
		t.Fatalf("GetGroups: %v", err)
	}
	var s []string
	for _, g := range out.Groups {
		s = append(s, fmt.Sprintf("%s[%s]", aws.ToString(g.GroupName), aws.ToString(g.FilterExpression)))
	}
	return strings.Join(s, " ")
}

func TestGroupLifecycle(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Region, o.AccountID = "eu-west-1", "123456789012" })
	ctx := context.Background()
	created, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("slow"), FilterExpression: aws.String("responsetime > 5"),
		InsightsConfiguration: &types.InsightsConfiguration{InsightsEnabled: aws.Bool(true)}})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	arn := aws.ToString(created.Group.GroupARN)
	if !groupARNPattern.MatchString(arn) || !aws.ToBool(created.Group.InsightsConfiguration.InsightsEnabled) {
		t.Fatalf("created %+v (ARN %s)", created.Group, arn)
	}
	if got := groupNames(t, e.client); got != "Default[] slow[responsetime > 5]" {
		t.Fatalf("GetGroups = %s", got)
	}
	for _, in := range []xray.GetGroupInput{{GroupName: aws.String("slow")}, {GroupARN: &arn}, {GroupName: aws.String("slow"), GroupARN: &arn}} {
		g, err := e.client.GetGroup(ctx, &in)
		if err != nil || aws.ToString(g.Group.GroupARN) != arn {
			t.Fatalf("GetGroup(%v, %v) = %+v, %v", aws.ToString(in.GroupName), aws.ToString(in.GroupARN), g, err)
		}
	}
	up, err := e.client.UpdateGroup(ctx, &xray.UpdateGroupInput{GroupARN: &arn, FilterExpression: aws.String("responsetime > 1")})
	if err != nil || aws.ToString(up.Group.FilterExpression) != "responsetime > 1" || !aws.ToBool(up.Group.InsightsConfiguration.InsightsEnabled) {
		t.Fatalf("UpdateGroup = %+v, %v", up, err)
	}
	if _, err := e.client.DeleteGroup(ctx, &xray.DeleteGroupInput{GroupName: aws.String("slow")}); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	if got := groupNames(t, e.client); got != "Default[]" {
		t.Fatalf("GetGroups after delete = %s", got)
	}
	// A new group of the same name is a new resource with a new ARN.
	again, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("slow")})
	if err != nil || aws.ToString(again.Group.GroupARN) == arn {
		t.Fatalf("recreated group = %+v, %v", again, err)
	}
	var ire *types.InvalidRequestException
	if _, err := e.client.GetGroup(ctx, &xray.GetGroupInput{GroupARN: &arn}); !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), "does not exist") {
		t.Fatalf("old ARN: err = %v", err)
	}
}

func TestGroupErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("slow")}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		call func() error
		msg  string
	}{
		{"bad name", func() error {
			_, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("no spaces")})
			return err
		}, `GroupName "no spaces" must be 1 to 32 letters, digits or hyphens`},
		{"long name", func() error {
			_, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String(strings.Repeat("g", 33))})
			return err
		}, "must be 1 to 32 letters"},
		{"Default", func() error {
			_, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("Default")})
			return err
		}, "reserved"},
		{"duplicate", func() error {
			_, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("slow")})
			return err
		}, `a group named "slow" already exists`},
		{"bad filter", func() error {
			_, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("x"), FilterExpression: aws.String("responsetime >")})
			return err
		}, "FilterExpression: unexpected end of expression"},
		{"unknown group in filter", func() error {
			_, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("x"), FilterExpression: aws.String(`group.name = "nope"`)})
			return err
		}, `group "nope" does not exist`},
		{"notifications without insights", func() error {
			_, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("x"),
				InsightsConfiguration: &types.InsightsConfiguration{NotificationsEnabled: aws.Bool(true)}})
			return err
		}, "NotificationsEnabled requires InsightsEnabled"},
		{"update bad filter", func() error {
			_, err := e.client.UpdateGroup(ctx, &xray.UpdateGroupInput{GroupName: aws.String("slow"), FilterExpression: aws.String("http.status = ")})
			return err
		}, "FilterExpression:"},
		{"update Default", func() error {
			_, err := e.client.UpdateGroup(ctx, &xray.UpdateGroupInput{GroupName: aws.String("Default"), FilterExpression: aws.String("ok")})
			return err
		}, "cannot be updated"},
		{"delete Default", func() error {
			_, err := e.client.DeleteGroup(ctx, &xray.DeleteGroupInput{GroupName: aws.String("Default")})
			return err
		}, "cannot be deleted"},
		{"delete unknown", func() error {
			_, err := e.client.DeleteGroup(ctx, &xray.DeleteGroupInput{GroupName: aws.String("nope")})
			return err
		}, `group "nope" does not exist`},
		{"get without name", func() error {
			_, err := e.client.GetGroup(ctx, &xray.GetGroupInput{})
			return err
		}, "either GroupName or GroupARN is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ire *types.InvalidRequestException
			if err := tt.call(); !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), tt.msg) {
				t.Fatalf("err = %v, want InvalidRequestException containing %q", err, tt.msg)
			}
		})
	}
}

// A group's filter scopes trace summaries (group.name, group.arn) and the
// service graph and time series (GroupName, GroupARN).
func TestGroupsScopeQueries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	filterTraces(t, e)
	g, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("batch"), FilterExpression: aws.String(`service("batch")`)})
	if err != nil {
		t.Fatal(err)
	}
	arn := g.Group.GroupARN
	for _, expr := range []string{`group.name = "batch"`, `group.arn = "` + aws.ToString(arn) + `"`} {
		out, err := e.client.GetTraceSummaries(ctx, &xray.GetTraceSummariesInput{StartTime: unix(t0 - 60), EndTime: unix(t0 + 60), FilterExpression: aws.String(expr)})
		if err != nil || len(out.TraceSummaries) != 1 {
			t.Errorf("GetTraceSummaries(%s) = %d traces, %v; want the batch trace", expr, len(out.TraceSummaries), err)
		}
	}
	for _, in := range []xray.GetServiceGraphInput{{GroupName: aws.String("batch")}, {GroupARN: arn}} {
		in.StartTime, in.EndTime = unix(t0-60), unix(t0+60)
		out, err := e.client.GetServiceGraph(ctx, &in)
		if err != nil {
			t.Fatalf("GetServiceGraph: %v", err)
		}
		if len(out.Services) != 2 { // client batch, batch
			t.Errorf("batch group graph has %d services, want 2", len(out.Services))
		}
	}
	ts, err := e.client.GetTimeSeriesServiceStatistics(ctx, &xray.GetTimeSeriesServiceStatisticsInput{StartTime: unix(t0 - 60), EndTime: unix(t0 + 60), GroupName: aws.String("batch")})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, s := range ts.TimeSeriesServiceStatistics {
		if s.EdgeSummaryStatistics != nil {
			n += aws.ToInt64(s.EdgeSummaryStatistics.TotalCount)
		}
	}
	if n != 1 {
		t.Errorf("batch group time series counts %d requests, want 1", n)
	}
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	arn := g.Group.GroupARN
	tags := func(kv ...string) []types.Tag {
		var out []types.Tag
		for i := 0; i < len(kv); i += 2 {
			out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		return out
	}
	list := func() string {
		t.Helper()
		out, err := e.client.ListTagsForResource(ctx, &xray.ListTagsForResourceInput{ResourceARN: arn})
		if err != nil {
			t.Fatalf("ListTagsForResource: %v", err)
		}
		var s []string
		for _, tg := range out.Tags {
			s = append(s, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
		return strings.Join(s, ",")
	}
	if got := list(); got != "" {
		t.Fatalf("new group tags = %q", got)
	}
	if _, err := e.client.TagResource(ctx, &xray.TagResourceInput{ResourceARN: arn, Tags: tags("a", "1", "b", "2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.TagResource(ctx, &xray.TagResourceInput{ResourceARN: arn, Tags: tags("a", "3")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UntagResource(ctx, &xray.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"b", "never"}}); err != nil {
		t.Fatal(err)
	}
	if got := list(); got != "a=3" {
		t.Fatalf("tags = %q, want a=3", got)
	}

	var nf *types.ResourceNotFoundException
	_, err = e.client.TagResource(ctx, &xray.TagResourceInput{ResourceARN: aws.String("arn:aws:xray:us-east-1:000000000000:group/none/X"), Tags: tags("a", "1")})
	if !errors.As(err, &nf) || aws.ToString(nf.ResourceName) != "arn:aws:xray:us-east-1:000000000000:group/none/X" {
		t.Errorf("unknown ARN: err = %v, want ResourceNotFoundException", err)
	}
	many := make([]string, 0, 100)
	for i := range 50 {
		many = append(many, fmt.Sprint("k", i), "v")
	}
	var tm *types.TooManyTagsException
	_, err = e.client.TagResource(ctx, &xray.TagResourceInput{ResourceARN: arn, Tags: tags(many...)})
	if !errors.As(err, &tm) || aws.ToString(tm.ResourceName) != aws.ToString(arn) {
		t.Errorf("51 tags: err = %v, want TooManyTagsException naming the group", err)
	}
	var ire *types.InvalidRequestException
	_, err = e.client.TagResource(ctx, &xray.TagResourceInput{ResourceARN: arn, Tags: tags("aws:owner", "x")})
	if !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), "reserved prefix aws:") {
		t.Errorf("aws: key: err = %v", err)
	}
	if got := list(); got != "a=3" {
		t.Fatalf("tags after refused calls = %q, want a=3", got)
	}
	// The Default rule is a taggable resource too.
	if _, err := e.client.TagResource(ctx, &xray.TagResourceInput{ResourceARN: aws.String("arn:aws:xray:us-east-1:000000000000:sampling-rule/Default"), Tags: tags("a", "1")}); err != nil {
		t.Errorf("tag Default rule: %v", err)
	}
}
