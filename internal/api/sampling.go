package api

import (
	"context"
	"fmt"
	"regexp"
)

// The Default sampling rule, the only rule until rule management exists.
// Its values are X-Ray's own defaults (§4.5 of the compatibility spec).
const (
	defaultRuleName      = "Default"
	defaultFixedRate     = 0.05
	defaultReservoirSize = 1
	defaultRulePriority  = 10000
	// targetInterval is how often SDKs should report statistics (s), and
	// quotaTTL how long a reservoir quota stays valid.
	targetInterval = 10
	quotaTTL       = 300
	// maxStatisticsDocuments is X-Ray's limit per GetSamplingTargets call.
	maxStatisticsDocuments = 25
	// ruleModified is when the Default rule last changed: never, as far
	// as clients are concerned. Reporting "now" would make every SDK
	// refetch rules on every targets poll (quirk 19).
	ruleModified = 0
)

type samplingRule struct {
	RuleName      string
	RuleARN       string
	ResourceARN   string
	Priority      int32
	FixedRate     float64
	ReservoirSize int32
	ServiceName   string
	ServiceType   string
	Host          string
	HTTPMethod    string
	URLPath       string
	Version       int32
	Attributes    map[string]string
}

type samplingRuleRecord struct {
	SamplingRule samplingRule
	CreatedAt    float64
	ModifiedAt   float64
}

type getSamplingRulesInput struct {
	NextToken string
}

type getSamplingRulesOutput struct {
	SamplingRuleRecords []samplingRuleRecord
}

func (a *API) getSamplingRules(_ context.Context, body []byte) (any, error) {
	var in getSamplingRulesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.NextToken != "" {
		return nil, invalidRequest("NextToken %.40q was not issued by this server: GetSamplingRules answers in one page", in.NextToken)
	}
	return getSamplingRulesOutput{SamplingRuleRecords: []samplingRuleRecord{{
		SamplingRule: samplingRule{
			RuleName:      defaultRuleName,
			RuleARN:       fmt.Sprintf("arn:aws:xray:%s:%s:sampling-rule/%s", a.opts.Region, a.opts.AccountID, defaultRuleName),
			ResourceARN:   "*",
			Priority:      defaultRulePriority,
			FixedRate:     defaultFixedRate,
			ReservoirSize: defaultReservoirSize,
			ServiceName:   "*",
			ServiceType:   "*",
			Host:          "*",
			HTTPMethod:    "*",
			URLPath:       "*",
			Version:       1,
			Attributes:    map[string]string{},
		},
		CreatedAt:  ruleModified,
		ModifiedAt: ruleModified,
	}}}, nil
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

type samplingTargetDocument struct {
	RuleName          string
	FixedRate         float64 // always present: aws-xray-sdk-go rejects a target without it
	ReservoirQuota    int32
	ReservoirQuotaTTL float64
	Interval          int32
}

type unprocessedStatistics struct {
	RuleName  string
	ErrorCode string
	Message   string
}

type getSamplingTargetsOutput struct {
	SamplingTargetDocuments    []samplingTargetDocument
	LastRuleModification       float64
	UnprocessedStatistics      []unprocessedStatistics
	UnprocessedBoostStatistics []unprocessedStatistics `json:",omitempty"`
}

var clientIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)

// getSamplingTargets answers SDKs' periodic statistics with a target for
// each rule they report on. Reports on rules that do not exist go to
// UnprocessedStatistics with code "400", which tells SDKs to refetch the
// rules (quirk 18).
func (a *API) getSamplingTargets(_ context.Context, body []byte) (any, error) {
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
	for i, d := range in.SamplingStatisticsDocuments {
		if err := d.validate(); err != nil {
			return nil, invalidRequest("SamplingStatisticsDocuments[%d]: %v", i, err)
		}
	}
	for i, d := range in.SamplingBoostStatisticsDocuments {
		if err := d.validate(); err != nil {
			return nil, invalidRequest("SamplingBoostStatisticsDocuments[%d]: %v", i, err)
		}
	}

	now := a.opts.Now()
	out := getSamplingTargetsOutput{
		SamplingTargetDocuments: []samplingTargetDocument{},
		LastRuleModification:    ruleModified,
		UnprocessedStatistics:   []unprocessedStatistics{},
	}
	answered := map[string]bool{}
	for _, d := range in.SamplingStatisticsDocuments {
		rule := *d.RuleName
		if rule != defaultRuleName {
			out.UnprocessedStatistics = append(out.UnprocessedStatistics, unknownRule(rule))
			continue
		}
		quota := a.sampling.quota(rule, *d.ClientID, defaultReservoirSize, int64(*d.RequestCount), now)
		if answered[rule] {
			continue // one target per rule; the last report above still counted
		}
		answered[rule] = true
		out.SamplingTargetDocuments = append(out.SamplingTargetDocuments, samplingTargetDocument{
			RuleName:          rule,
			FixedRate:         defaultFixedRate,
			ReservoirQuota:    int32(quota),
			ReservoirQuotaTTL: float64(now.Unix() + quotaTTL),
			Interval:          targetInterval,
		})
	}
	// Boost statistics feed adaptive sampling, which no rule enables yet:
	// those on the Default rule have nothing to update.
	for _, d := range in.SamplingBoostStatisticsDocuments {
		if *d.RuleName != defaultRuleName {
			out.UnprocessedBoostStatistics = append(out.UnprocessedBoostStatistics, unknownRule(*d.RuleName))
		}
	}
	return out, nil
}

func unknownRule(name string) unprocessedStatistics {
	return unprocessedStatistics{RuleName: name, ErrorCode: "400", Message: fmt.Sprintf("sampling rule %q does not exist", name)}
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
