package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/lightbox-tracing/lightbox/segment"
)

// tracesPerCall is how many trace IDs one BatchGetTraces call asks for;
// the answer may come in several pages (NextToken).
const tracesPerCall = 100

// verifier reads traces back through the X-Ray API's BatchGetTraces.
type verifier struct {
	url    string // …/Traces
	client *http.Client
}

func newVerifier(apiURL string, client *http.Client) *verifier {
	return &verifier{url: strings.TrimSuffix(apiURL, "/") + "/Traces", client: client}
}

type batchGetTracesIn struct {
	TraceIds  []string
	NextToken string `json:",omitempty"`
}

type batchGetTracesOut struct {
	Traces []struct {
		Id       string
		Segments []struct{ Document string }
	}
	NextToken string
}

// entity is the part of a segment document verification needs: its ID and
// those of the subsegments inside it, where the API folds independent
// subsegments.
type entity struct {
	ID          string   `json:"id"`
	Subsegments []entity `json:"subsegments"`
}

func (e *entity) collect(into map[string]struct{}) {
	into[e.ID] = struct{}{}
	for i := range e.Subsegments {
		e.Subsegments[i].collect(into)
	}
}

// storedIDs returns, for each trace of ids that the API knows, the IDs of
// every segment and subsegment it returned.
func (v *verifier) storedIDs(ctx context.Context, ids []string) (map[string]map[string]struct{}, error) {
	out := make(map[string]map[string]struct{}, len(ids))
	in := batchGetTracesIn{TraceIds: ids}
	for {
		body, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("cannot encode BatchGetTraces request: %w", err)
		}
		var res batchGetTracesOut
		if err := v.call(ctx, body, &res); err != nil {
			return nil, err
		}
		for _, tr := range res.Traces {
			found := out[tr.Id]
			if found == nil {
				found = map[string]struct{}{}
				out[tr.Id] = found
			}
			for _, s := range tr.Segments {
				var e entity
				if err := json.Unmarshal([]byte(s.Document), &e); err != nil {
					return nil, fmt.Errorf("cannot decode a segment of trace %s: %w", tr.Id, err)
				}
				e.collect(found)
			}
		}
		if res.NextToken == "" || res.NextToken == in.NextToken {
			return out, nil
		}
		in.NextToken = res.NextToken
	}
}

func (v *verifier) call(ctx context.Context, body []byte, res any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("cannot call BatchGetTraces: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot call BatchGetTraces: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("cannot call BatchGetTraces: %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	if err := json.NewDecoder(resp.Body).Decode(res); err != nil {
		return fmt.Errorf("cannot decode BatchGetTraces response: %w", err)
	}
	return nil
}

// check looks up the traces at indexes pending of g.traces, updates their
// found counts and returns the indexes of those still incomplete.
func (v *verifier) check(ctx context.Context, g *generator, pending []int, concurrency int) ([]int, error) {
	batches := make(chan []int)
	var (
		mu         sync.Mutex
		incomplete []int
		firstErr   error
		wg         sync.WaitGroup
	)
	for range concurrency {
		wg.Go(func() {
			for batch := range batches {
				ids := make([]string, len(batch))
				for i, ti := range batch {
					ids[i] = g.traces[ti].id.String()
				}
				stored, err := v.storedIDs(ctx, ids)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				for i, ti := range batch {
					tr := &g.traces[ti]
					n := countFound(stored[ids[i]], g.ids[tr.first:tr.first+uint32(tr.n)])
					tr.found = max(tr.found, n)
					if tr.found < tr.n {
						incomplete = append(incomplete, ti)
					}
				}
				mu.Unlock()
			}
		})
	}
	for start := 0; start < len(pending); start += tracesPerCall {
		select {
		case batches <- pending[start:min(start+tracesPerCall, len(pending))]:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(batches)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return incomplete, ctx.Err()
}

func countFound(stored map[string]struct{}, want []segment.SegmentID) uint8 {
	var n uint8
	for _, id := range want {
		if _, ok := stored[id.String()]; ok {
			n++
		}
	}
	return n
}
