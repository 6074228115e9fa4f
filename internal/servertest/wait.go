package servertest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
)

// WaitForTraces polls GetTraceSummaries over [start, end) until it lists
// exactly n traces, none of them partial (Lightbox summarizes a trace
// shortly after its last segment arrives), and returns them. It fails the
// test after 30 s.
func WaitForTraces(t testing.TB, c *awsxray.Client, start, end time.Time, n int) []types.TraceSummary {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var all []types.TraceSummary
		p := awsxray.NewGetTraceSummariesPaginator(c, &awsxray.GetTraceSummariesInput{StartTime: &start, EndTime: &end})
		for p.HasMorePages() {
			out, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatalf("GetTraceSummaries: %v", err)
			}
			all = append(all, out.TraceSummaries...)
		}
		complete := 0
		for _, s := range all {
			if !aws.ToBool(s.IsPartial) {
				complete++
			}
		}
		if len(all) == n && complete == n {
			return all
		}
		if time.Now().After(deadline) {
			t.Fatalf("GetTraceSummaries returned %d traces (%d complete), want %d", len(all), complete, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
