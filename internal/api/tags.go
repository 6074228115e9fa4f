package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lightbox-tracing/lightbox/internal/store"
)

// Tag limits of X-Ray (AWS's tagging rules).
const (
	maxTags        = 50
	maxTagKey      = 128
	maxTagValue    = 256
	reservedPrefix = "aws:"
)

type tag struct {
	Key   *string
	Value *string
}

type tagPair struct{ Key, Value string }

// tagStore keeps each resource's tags as one config record keyed by ARN.
type tagStore struct{ cs store.ConfigStore }

func validateTags(tags []tag) error {
	if len(tags) > maxTags {
		return tooManyTags("", len(tags))
	}
	for i, t := range tags {
		switch {
		case t.Key == nil:
			return invalidRequest("Tags[%d]: member Key is required", i)
		case t.Value == nil:
			return invalidRequest("Tags[%d]: member Value is required", i)
		}
		if n := utf8.RuneCountInString(*t.Key); n < 1 || n > maxTagKey {
			return invalidRequest("Tags[%d]: Key %.40q is %d characters long; it must be 1 to %d", i, *t.Key, n, maxTagKey)
		}
		if n := utf8.RuneCountInString(*t.Value); n > maxTagValue {
			return invalidRequest("Tags[%d]: Value is %d characters long; the limit is %d", i, n, maxTagValue)
		}
		if strings.HasPrefix(strings.ToLower(*t.Key), reservedPrefix) {
			return invalidRequest("Tags[%d]: Key %.40q uses the reserved prefix aws:", i, *t.Key)
		}
	}
	return nil
}

func tooManyTags(arn string, n int) *Error {
	return &Error{Code: CodeTooManyTags, Status: http.StatusBadRequest, ResourceName: arn,
		Message: fmt.Sprintf("a resource may have at most %d tags; this request would leave %d", maxTags, n)}
}

func (s tagStore) get(ctx context.Context, arn string) ([]tagPair, uint64, error) {
	r, err := s.cs.GetConfig(ctx, store.ConfigTags, arn)
	if errors.Is(err, store.ErrNotFound) {
		return []tagPair{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("cannot read tags of %s: %w", arn, err)
	}
	var out []tagPair
	if err := json.Unmarshal(r.Value, &out); err != nil {
		return nil, 0, fmt.Errorf("cannot decode tags of %s: %w", arn, err)
	}
	return out, r.Version, nil
}

// modify applies fn to the resource's tags, retrying when another request
// changed them in between.
func (s tagStore) modify(ctx context.Context, arn string, fn func([]tagPair) ([]tagPair, error)) error {
	for {
		cur, v, err := s.get(ctx, arn)
		if err != nil {
			return err
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		b, err := json.Marshal(next)
		if err != nil {
			return fmt.Errorf("cannot encode tags: %w", err)
		}
		_, err = s.cs.PutConfig(ctx, store.ConfigTags, arn, v, b)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("cannot write tags of %s: %w", arn, err)
		}
		return nil
	}
}

// set adds or replaces tags (validated by the caller).
func (s tagStore) set(ctx context.Context, arn string, tags []tag) error {
	return s.modify(ctx, arn, func(cur []tagPair) ([]tagPair, error) {
		for _, t := range tags {
			i := slices.IndexFunc(cur, func(p tagPair) bool { return p.Key == *t.Key })
			if i >= 0 {
				cur[i].Value = *t.Value
			} else {
				cur = append(cur, tagPair{*t.Key, *t.Value})
			}
		}
		if len(cur) > maxTags {
			return nil, tooManyTags(arn, len(cur))
		}
		return cur, nil
	})
}

// drop forgets a deleted resource's tags.
func (s tagStore) drop(ctx context.Context, arn string) error {
	for {
		r, err := s.cs.GetConfig(ctx, store.ConfigTags, arn)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot read tags of %s: %w", arn, err)
		}
		err = s.cs.DeleteConfig(ctx, store.ConfigTags, arn, r.Version)
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("cannot delete tags of %s: %w", arn, err)
		}
		return nil
	}
}

// resourceExists says whether arn names a sampling rule or a group.
func (a *API) resourceExists(ctx context.Context, arn string) error {
	if arn == "" {
		return invalidRequest("member ResourceARN is required")
	}
	ok, err := a.rules.HasARN(ctx, arn)
	if err != nil || ok {
		return err
	}
	if g, err := a.groups.byARN(ctx, arn); err != nil || g != nil {
		return err
	}
	return &Error{Code: CodeResourceNotFound, Status: http.StatusNotFound, ResourceName: arn,
		Message: fmt.Sprintf("no sampling rule or group has ARN %.200q", arn)}
}

func (a *API) tagResource(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ResourceARN string
		Tags        []tag
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, invalidRequest("member Tags is required")
	}
	if err := a.resourceExists(ctx, in.ResourceARN); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == CodeTooManyTags {
			e.ResourceName = in.ResourceARN
		}
		return nil, err
	}
	if err := a.tags.set(ctx, in.ResourceARN, in.Tags); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *API) untagResource(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ResourceARN string
		TagKeys     []string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, invalidRequest("member TagKeys is required")
	}
	if err := a.resourceExists(ctx, in.ResourceARN); err != nil {
		return nil, err
	}
	err := a.tags.modify(ctx, in.ResourceARN, func(cur []tagPair) ([]tagPair, error) {
		return slices.DeleteFunc(cur, func(p tagPair) bool { return slices.Contains(in.TagKeys, p.Key) }), nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *API) listTagsForResource(ctx context.Context, body []byte) (any, error) {
	var in struct{ ResourceARN, NextToken string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.NextToken != "" {
		return nil, invalidRequest("NextToken %.40q was not issued by this server: ListTagsForResource answers in one page", in.NextToken)
	}
	if err := a.resourceExists(ctx, in.ResourceARN); err != nil {
		return nil, err
	}
	tags, _, err := a.tags.get(ctx, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return struct{ Tags []tagPair }{tags}, nil
}
