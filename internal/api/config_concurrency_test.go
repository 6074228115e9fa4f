package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
)

// Concurrent calls that change the same resource do not lose each other's
// changes, and the rule limit holds under a burst of creations.
func TestConcurrentConfigChanges(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g, err := e.client.CreateGroup(ctx, &xray.CreateGroupInput{GroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, limited := 0, 0
	for i := range 30 {
		wg.Go(func() {
			_, err := e.client.TagResource(ctx, &xray.TagResourceInput{ResourceARN: g.Group.GroupARN,
				Tags: []types.Tag{{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")}}})
			if err != nil {
				t.Errorf("TagResource %d: %v", i, err)
			}
			_, err = e.client.CreateSamplingRule(ctx, &xray.CreateSamplingRuleInput{SamplingRule: sdkRule(fmt.Sprint("r", i), 10)})
			var rle *types.RuleLimitExceededException
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errors.As(err, &rle):
				limited++
			default:
				t.Errorf("CreateSamplingRule %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	tags, err := e.client.ListTagsForResource(ctx, &xray.ListTagsForResourceInput{ResourceARN: g.Group.GroupARN})
	if err != nil || len(tags.Tags) != 30 {
		t.Fatalf("after 30 concurrent TagResource calls: %d tags, %v; want 30", len(tags.Tags), err)
	}
	if created != 25 || limited != 5 {
		t.Fatalf("30 concurrent creations: %d created, %d over the limit; want 25 and 5", created, limited)
	}
}

func TestSamplingRateBoostRefused(t *testing.T) {
	e := newEnv(t)
	r := sdkRule("boost", 10)
	r.SamplingRateBoost = &types.SamplingRateBoost{MaxRate: 0.5, CooldownWindowMinutes: 5}
	_, err := e.client.CreateSamplingRule(context.Background(), &xray.CreateSamplingRuleInput{SamplingRule: r})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), "SamplingRateBoost") {
		t.Fatalf("err = %v, want InvalidRequestException about SamplingRateBoost", err)
	}
}
