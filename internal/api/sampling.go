package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/lightbox-tracing/lightbox/internal/sampling"
)

// maxStatisticsDocuments is X-Ray's limit per GetSamplingTargets call.
const maxStatisticsDocuments = 25

// samplingError maps the sampling package's errors to X-Ray's.
func samplingError(err error) error {
	var ve *sampling.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return invalidRequest("%s", ve.Msg)
	case errors.Is(err, sampling.ErrNoRule):
		return invalidRequest("%v", err)
	case errors.Is(err, sampling.ErrRuleLimit):
		return &Error{Code: CodeRuleLimitExceeded, Status: http.StatusBadRequest, Message: err.Error()}
	}
	return err
}

// samplingRuleInput is a SamplingRule member: pointers so that missing
// required members can be told from zeros.
type samplingRuleInput struct {
	RuleName      *string
	RuleARN       *string
	ResourceARN   *string
	Priority      *int32
	FixedRate     *finite
	ReservoirSize *int32
	ServiceName   *string
	ServiceType   *string
	Host          *string
	HTTPMethod    *string
	URLPath       *string
	Version       *int32
	Attributes    map[string]string
	// SamplingRateBoost (adaptive sampling) is refused, not ignored.
	SamplingRateBoost json.RawMessage
}

// refuseBoost refuses a SamplingRateBoost member: Lightbox has no adaptive
// sampling, and ignoring the member would silently change the rule.
func refuseBoost(raw json.RawMessage) error {
	if len(raw) > 0 && string(raw) != "null" {
		return notSupportedYet("SamplingRateBoost (adaptive sampling) is not supported yet")
	}
	return nil
}

func (in *samplingRuleInput) rule() (sampling.Rule, error) {
	var missing []string
	str := func(name string, p *string) string {
		if p == nil {
			missing = append(missing, name)
			return ""
		}
		return *p
	}
	num := func(name string, p *int32) int32 {
		if p == nil {
			missing = append(missing, name)
			return 0
		}
		return *p
	}
	r := sampling.Rule{
		RuleName:      str("RuleName", in.RuleName),
		ResourceARN:   str("ResourceARN", in.ResourceARN),
		Priority:      num("Priority", in.Priority),
		ReservoirSize: num("ReservoirSize", in.ReservoirSize),
		ServiceName:   str("ServiceName", in.ServiceName),
		ServiceType:   str("ServiceType", in.ServiceType),
		Host:          str("Host", in.Host),
		HTTPMethod:    str("HTTPMethod", in.HTTPMethod),
		URLPath:       str("URLPath", in.URLPath),
		Version:       num("Version", in.Version),
		Attributes:    in.Attributes,
	}
	if in.FixedRate == nil {
		missing = append(missing, "FixedRate")
	} else {
		r.FixedRate = float64(*in.FixedRate)
	}
	if len(missing) > 0 {
		return r, invalidRequest("SamplingRule: member %s is required", missing[0])
	}
	return r, nil
}

type createSamplingRuleInput struct {
	SamplingRule *samplingRuleInput
	Tags         []tag
}

type samplingRuleOutput struct {
	SamplingRuleRecord sampling.Record
}

func (a *API) createSamplingRule(ctx context.Context, body []byte) (any, error) {
	var in createSamplingRuleInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.SamplingRule == nil {
		return nil, invalidRequest("member SamplingRule is required")
	}
	if err := refuseBoost(in.SamplingRule.SamplingRateBoost); err != nil {
		return nil, err
	}
	r, err := in.SamplingRule.rule()
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	rec, err := a.rules.Create(ctx, r)
	if err != nil {
		return nil, samplingError(err)
	}
	if len(in.Tags) > 0 {
		if err := a.tags.set(ctx, rec.SamplingRule.RuleARN, in.Tags); err != nil {
			return nil, err
		}
	}
	return samplingRuleOutput{rec}, nil
}

type samplingRuleUpdateInput struct {
	RuleName      *string
	RuleARN       *string
	ResourceARN   *string
	Priority      *int32
	FixedRate     *finite
	ReservoirSize *int32
	ServiceName   *string
	ServiceType   *string
	Host          *string
	HTTPMethod    *string
	URLPath       *string
	Attributes    map[string]string
	// SamplingRateBoost is refused (refuseBoost).
	SamplingRateBoost json.RawMessage
}

func (a *API) updateSamplingRule(ctx context.Context, body []byte) (any, error) {
	var in struct{ SamplingRuleUpdate *samplingRuleUpdateInput }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	u := in.SamplingRuleUpdate
	if u == nil {
		return nil, invalidRequest("member SamplingRuleUpdate is required")
	}
	if err := refuseBoost(u.SamplingRateBoost); err != nil {
		return nil, err
	}
	up := sampling.Update{
		RuleName: u.RuleName, RuleARN: u.RuleARN, ResourceARN: u.ResourceARN, Priority: u.Priority,
		ReservoirSize: u.ReservoirSize, ServiceName: u.ServiceName, ServiceType: u.ServiceType,
		Host: u.Host, HTTPMethod: u.HTTPMethod, URLPath: u.URLPath, Attributes: u.Attributes,
	}
	if u.FixedRate != nil {
		f := float64(*u.FixedRate)
		up.FixedRate = &f
	}
	rec, err := a.rules.Update(ctx, up)
	if err != nil {
		return nil, samplingError(err)
	}
	return samplingRuleOutput{rec}, nil
}

func (a *API) deleteSamplingRule(ctx context.Context, body []byte) (any, error) {
	var in struct{ RuleName, RuleARN *string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	rec, err := a.rules.Delete(ctx, in.RuleName, in.RuleARN)
	if err != nil {
		return nil, samplingError(err)
	}
	if err := a.tags.drop(ctx, rec.SamplingRule.RuleARN); err != nil {
		return nil, err
	}
	return samplingRuleOutput{rec}, nil
}

// getSamplingRules answers in one page: there are at most 26 rules.
func (a *API) getSamplingRules(ctx context.Context, body []byte) (any, error) {
	var in struct{ NextToken string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.NextToken != "" {
		return nil, invalidRequest("NextToken %.40q was not issued by this server: GetSamplingRules answers in one page", in.NextToken)
	}
	recs, err := a.rules.Rules(ctx)
	if err != nil {
		return nil, err
	}
	return struct{ SamplingRuleRecords []sampling.Record }{recs}, nil
}

type samplingStatisticsDocument struct {
	RuleName     *string
	ClientID     *string
	Timestamp    *epochSeconds
	RequestCount *int32
	SampledCount *int32
	BorrowCount  int32 // Go SDK v2 omits it when 0 (quirk 11)
}

type samplingBoostStatisticsDocument struct {
	RuleName            *string
	ServiceName         *string
	Timestamp           *epochSeconds
	TotalCount          *int32
	AnomalyCount        *int32
	SampledAnomalyCount *int32
}

type getSamplingTargetsInput struct {
	SamplingStatisticsDocuments      []samplingStatisticsDocument
	SamplingBoostStatisticsDocuments []samplingBoostStatisticsDocument
}

type getSamplingTargetsOutput struct {
	SamplingTargetDocuments    []sampling.Target
	LastRuleModification       float64
	UnprocessedStatistics      []sampling.Unprocessed
	UnprocessedBoostStatistics []sampling.Unprocessed `json:",omitempty"`
}

var clientIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)

// getSamplingTargets answers SDKs' periodic statistics with a target for
// each rule they report on. Reports on rules that do not exist go to
// UnprocessedStatistics with code "400", which tells SDKs to refetch the
// rules (quirk 18).
func (a *API) getSamplingTargets(ctx context.Context, body []byte) (any, error) {
	var in getSamplingTargetsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch n := len(in.SamplingStatisticsDocuments); {
	case in.SamplingStatisticsDocuments == nil:
		return nil, invalidRequest("member SamplingStatisticsDocuments is required")
	case n > maxStatisticsDocuments:
		return nil, invalidRequest("SamplingStatisticsDocuments has %d documents; the limit is %d", n, maxStatisticsDocuments)
	}
	stats := make([]sampling.Statistics, 0, len(in.SamplingStatisticsDocuments))
	for i, d := range in.SamplingStatisticsDocuments {
		if err := d.validate(); err != nil {
			return nil, invalidRequest("SamplingStatisticsDocuments[%d]: %v", i, err)
		}
		stats = append(stats, sampling.Statistics{
			RuleName: *d.RuleName, ClientID: *d.ClientID, Timestamp: float64(*d.Timestamp),
			RequestCount: int64(*d.RequestCount), SampledCount: int64(*d.SampledCount), BorrowCount: int64(d.BorrowCount),
		})
	}
	for i, d := range in.SamplingBoostStatisticsDocuments {
		if err := d.validate(); err != nil {
			return nil, invalidRequest("SamplingBoostStatisticsDocuments[%d]: %v", i, err)
		}
	}
	t, err := a.rules.Targets(ctx, stats)
	if err != nil {
		return nil, err
	}
	out := getSamplingTargetsOutput{
		SamplingTargetDocuments: t.Targets,
		LastRuleModification:    t.LastRuleModification,
		UnprocessedStatistics:   t.Unprocessed,
	}
	// Boost statistics feed adaptive sampling, which no rule enables: on
	// an existing rule they have nothing to update.
	if len(in.SamplingBoostStatisticsDocuments) > 0 {
		recs, err := a.rules.Rules(ctx)
		if err != nil {
			return nil, err
		}
		exists := map[string]bool{}
		for _, r := range recs {
			exists[r.SamplingRule.RuleName] = true
		}
		for _, d := range in.SamplingBoostStatisticsDocuments {
			if !exists[*d.RuleName] {
				out.UnprocessedBoostStatistics = append(out.UnprocessedBoostStatistics, sampling.UnknownRule(*d.RuleName))
			}
		}
	}
	return out, nil
}

type samplingStatisticSummary struct {
	RuleName     string
	Timestamp    float64
	RequestCount int64
	BorrowCount  int64
	SampledCount int64
}

// getSamplingStatisticSummaries reports, for each rule, the sums of the
// last reports of the SDK clients active on it (one page).
func (a *API) getSamplingStatisticSummaries(ctx context.Context, body []byte) (any, error) {
	var in struct{ NextToken string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.NextToken != "" {
		return nil, invalidRequest("NextToken %.40q was not issued by this server: GetSamplingStatisticSummaries answers in one page", in.NextToken)
	}
	sums, err := a.rules.Summaries(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]samplingStatisticSummary, 0, len(sums))
	for _, s := range sums {
		out = append(out, samplingStatisticSummary{RuleName: s.RuleName, Timestamp: s.Timestamp,
			RequestCount: s.RequestCount, BorrowCount: s.BorrowCount, SampledCount: s.SampledCount})
	}
	return struct{ SamplingStatisticSummaries []samplingStatisticSummary }{out}, nil
}

func (d *samplingStatisticsDocument) validate() error {
	switch {
	case d.RuleName == nil || *d.RuleName == "":
		return fmt.Errorf("member RuleName is required")
	case len(*d.RuleName) > 32:
		return fmt.Errorf("RuleName %.40q is longer than 32 characters", *d.RuleName)
	case d.ClientID == nil:
		return fmt.Errorf("member ClientID is required")
	case !clientIDPattern.MatchString(*d.ClientID):
		return fmt.Errorf("ClientID %.40q is not 24 hex digits", *d.ClientID)
	case d.Timestamp == nil:
		return fmt.Errorf("member Timestamp is required")
	case d.RequestCount == nil:
		return fmt.Errorf("member RequestCount is required")
	case d.SampledCount == nil:
		return fmt.Errorf("member SampledCount is required")
	case *d.RequestCount < 0 || *d.SampledCount < 0 || d.BorrowCount < 0:
		return fmt.Errorf("RequestCount, SampledCount and BorrowCount must not be negative")
	}
	return nil
}

func (d *samplingBoostStatisticsDocument) validate() error {
	switch {
	case d.RuleName == nil || *d.RuleName == "":
		return fmt.Errorf("member RuleName is required")
	case d.ServiceName == nil:
		return fmt.Errorf("member ServiceName is required")
	case d.Timestamp == nil:
		return fmt.Errorf("member Timestamp is required")
	case d.TotalCount == nil || d.AnomalyCount == nil || d.SampledAnomalyCount == nil:
		return fmt.Errorf("members TotalCount, AnomalyCount and SampledAnomalyCount are required")
	}
	return nil
}
