package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/lightbox-tracing/lightbox/internal/filterexpr"
	"github.com/lightbox-tracing/lightbox/internal/store"
)

// Groups save a filter expression under a name (§4.6). Each is one config
// record keyed by name; the built-in Default group (no filter) is never
// stored.

const defaultGroupName = "Default"

var groupNamePattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

type insightsConfiguration struct {
	InsightsEnabled      bool
	NotificationsEnabled bool
}

// group is X-Ray's Group and GroupSummary shape, and the stored record.
type group struct {
	GroupName             string
	GroupARN              string
	FilterExpression      string `json:",omitempty"`
	InsightsConfiguration insightsConfiguration
}

type groupStore struct {
	cs        store.ConfigStore
	arnPrefix string // arn:aws:xray:<region>:<account>:group/
}

func (a *API) defaultGroupARN() string {
	return a.groups.arnPrefix + defaultGroupName
}

func (a *API) defaultGroup() *group {
	return &group{GroupName: defaultGroupName, GroupARN: a.defaultGroupARN()}
}

func (s groupStore) list(ctx context.Context) ([]*group, []uint64, error) {
	recs, err := s.cs.ListConfig(ctx, store.ConfigGroup)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot list groups: %w", err)
	}
	gs := make([]*group, 0, len(recs))
	vs := make([]uint64, 0, len(recs))
	for _, r := range recs {
		var g group
		if err := json.Unmarshal(r.Value, &g); err != nil {
			return nil, nil, fmt.Errorf("cannot decode group %q: %w", r.Name, err)
		}
		gs = append(gs, &g)
		vs = append(vs, r.Version)
	}
	return gs, vs, nil
}

func (s groupStore) byName(ctx context.Context, name string) (*group, uint64, error) {
	r, err := s.cs.GetConfig(ctx, store.ConfigGroup, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("cannot read group %q: %w", name, err)
	}
	var g group
	if err := json.Unmarshal(r.Value, &g); err != nil {
		return nil, 0, fmt.Errorf("cannot decode group %q: %w", name, err)
	}
	return &g, r.Version, nil
}

// byARN finds a stored group by ARN; nil if none has it.
func (s groupStore) byARN(ctx context.Context, arn string) (*group, error) {
	name, _, ok := strings.Cut(strings.TrimPrefix(arn, s.arnPrefix), "/")
	if !ok || !strings.HasPrefix(arn, s.arnPrefix) {
		return nil, nil
	}
	g, _, err := s.byName(ctx, name)
	if err != nil || g == nil || g.GroupARN != arn {
		return nil, err
	}
	return g, nil
}

// lookupGroup resolves a request's GroupName and/or GroupARN to a group
// (Default included), with its store version (0 for Default).
func (a *API) lookupGroup(ctx context.Context, name, arn *string) (*group, uint64, error) {
	if name == nil && arn == nil {
		return nil, 0, invalidRequest("either GroupName or GroupARN is required")
	}
	var byARN *group
	if arn != nil {
		switch g, err := a.groups.byARN(ctx, *arn); {
		case *arn == a.defaultGroupARN():
			byARN = a.defaultGroup()
		case err != nil:
			return nil, 0, err
		case g == nil:
			return nil, 0, invalidRequest("group %q does not exist", *arn)
		default:
			byARN = g
		}
		if name == nil {
			name = &byARN.GroupName
		}
	}
	var g *group
	var v uint64
	if *name == defaultGroupName {
		g = a.defaultGroup()
	} else {
		var err error
		if g, v, err = a.groups.byName(ctx, *name); err != nil {
			return nil, 0, err
		}
		if g == nil {
			return nil, 0, invalidRequest("group %q does not exist", *name)
		}
	}
	if byARN != nil && byARN.GroupARN != g.GroupARN {
		return nil, 0, invalidRequest("GroupName %.40q and GroupARN %.200q name different groups", *name, *arn)
	}
	return g, v, nil
}

// groupFilter returns the filter expression of a group a request or a
// filter expression names (nil: every trace).
func (a *API) groupFilter(ref *filterexpr.Group) (filterexpr.Expr, error) {
	ctx := context.Background()
	var g *group
	var err error
	switch {
	case ref.ByARN && ref.Value == a.defaultGroupARN(), !ref.ByARN && ref.Value == defaultGroupName:
		return nil, nil
	case ref.ByARN:
		g, err = a.groups.byARN(ctx, ref.Value)
	default:
		g, _, err = a.groups.byName(ctx, ref.Value)
	}
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, fmt.Errorf("group %q does not exist", ref.Value)
	}
	if isBlank(g.FilterExpression) {
		return nil, nil
	}
	return filterexpr.Parse(g.FilterExpression)
}

// validateGroupFilter parses and compiles a group's filter expression.
func (a *API) validateGroupFilter(s string) error {
	if isBlank(s) {
		return nil
	}
	e, err := parseExpression("FilterExpression", s, MaxFilterExpression)
	if err != nil {
		return err
	}
	_, err = a.compileFilter("FilterExpression", e)
	return err
}

func validateInsights(c *insightsConfiguration) error {
	if c != nil && c.NotificationsEnabled && !c.InsightsEnabled {
		return invalidRequest("InsightsConfiguration: NotificationsEnabled requires InsightsEnabled")
	}
	return nil
}

func newGroupID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b [26]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[b[i]%32]
	}
	return string(b[:])
}

type groupOutput struct{ Group *group }

func (a *API) createGroup(ctx context.Context, body []byte) (any, error) {
	var in struct {
		GroupName             *string
		FilterExpression      string
		InsightsConfiguration *insightsConfiguration
		Tags                  []tag
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.GroupName == nil:
		return nil, invalidRequest("member GroupName is required")
	case !groupNamePattern.MatchString(*in.GroupName):
		return nil, invalidRequest("GroupName %.40q must be 1 to 32 letters, digits or hyphens", *in.GroupName)
	case *in.GroupName == defaultGroupName:
		return nil, invalidRequest("the group name Default is reserved for the built-in group")
	}
	if err := a.validateGroupFilter(in.FilterExpression); err != nil {
		return nil, err
	}
	if err := validateInsights(in.InsightsConfiguration); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	g := &group{GroupName: *in.GroupName, GroupARN: a.groups.arnPrefix + *in.GroupName + "/" + newGroupID(),
		FilterExpression: in.FilterExpression}
	if in.InsightsConfiguration != nil {
		g.InsightsConfiguration = *in.InsightsConfiguration
	}
	b, err := json.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("cannot encode group: %w", err)
	}
	_, err = a.groups.cs.PutConfig(ctx, store.ConfigGroup, g.GroupName, 0, b)
	if errors.Is(err, store.ErrConflict) {
		return nil, invalidRequest("a group named %q already exists", g.GroupName)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot save group %q: %w", g.GroupName, err)
	}
	if len(in.Tags) > 0 {
		if err := a.tags.set(ctx, g.GroupARN, in.Tags); err != nil {
			return nil, err
		}
	}
	return groupOutput{g}, nil
}

func (a *API) getGroup(ctx context.Context, body []byte) (any, error) {
	var in struct{ GroupName, GroupARN *string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	g, _, err := a.lookupGroup(ctx, in.GroupName, in.GroupARN)
	if err != nil {
		return nil, err
	}
	return groupOutput{g}, nil
}

func (a *API) updateGroup(ctx context.Context, body []byte) (any, error) {
	var in struct {
		GroupName             *string
		GroupARN              *string
		FilterExpression      *string
		InsightsConfiguration *insightsConfiguration
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.FilterExpression != nil {
		if err := a.validateGroupFilter(*in.FilterExpression); err != nil {
			return nil, err
		}
	}
	if err := validateInsights(in.InsightsConfiguration); err != nil {
		return nil, err
	}
	for {
		g, v, err := a.lookupGroup(ctx, in.GroupName, in.GroupARN)
		if err != nil {
			return nil, err
		}
		if g.GroupName == defaultGroupName {
			return nil, invalidRequest("the built-in Default group cannot be updated")
		}
		if in.FilterExpression != nil {
			g.FilterExpression = *in.FilterExpression
		}
		if in.InsightsConfiguration != nil {
			g.InsightsConfiguration = *in.InsightsConfiguration
		}
		b, err := json.Marshal(g)
		if err != nil {
			return nil, fmt.Errorf("cannot encode group: %w", err)
		}
		_, err = a.groups.cs.PutConfig(ctx, store.ConfigGroup, g.GroupName, v, b)
		if errors.Is(err, store.ErrConflict) {
			continue // changed or deleted meanwhile: look again
		}
		if err != nil {
			return nil, fmt.Errorf("cannot save group %q: %w", g.GroupName, err)
		}
		return groupOutput{g}, nil
	}
}

func (a *API) deleteGroup(ctx context.Context, body []byte) (any, error) {
	var in struct{ GroupName, GroupARN *string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	for {
		g, v, err := a.lookupGroup(ctx, in.GroupName, in.GroupARN)
		if err != nil {
			return nil, err
		}
		if g.GroupName == defaultGroupName {
			return nil, invalidRequest("the built-in Default group cannot be deleted")
		}
		err = a.groups.cs.DeleteConfig(ctx, store.ConfigGroup, g.GroupName, v)
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot delete group %q: %w", g.GroupName, err)
		}
		if err := a.tags.drop(ctx, g.GroupARN); err != nil {
			return nil, err
		}
		return struct{}{}, nil
	}
}

// getGroups lists Default and the stored groups by name, in one page.
func (a *API) getGroups(ctx context.Context, body []byte) (any, error) {
	var in struct{ NextToken string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.NextToken != "" {
		return nil, invalidRequest("NextToken %.40q was not issued by this server: GetGroups answers in one page", in.NextToken)
	}
	gs, _, err := a.groups.list(ctx)
	if err != nil {
		return nil, err
	}
	gs = append(gs, a.defaultGroup())
	slices.SortFunc(gs, func(x, y *group) int { return strings.Compare(x.GroupName, y.GroupName) })
	return struct{ Groups []*group }{gs}, nil
}
