package api

import (
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"strings"
)

// pageToken is what a NextToken carries. It is opaque to clients: JSON,
// base64url-encoded, tagged with the operation so that a token from one
// operation is refused by another. Tokens are never repeated (awscli
// aborts on a repeated token, quirk 9) because each one points strictly
// past the page it ends.
type pageToken struct {
	Op string `json:"op"`
	// BatchGetTraces: where the next page starts in the requested ID list,
	// and a hash of that list, so a token is refused with another list.
	Offset int    `json:"o,omitempty"`
	IDHash uint64 `json:"h,omitempty"`
	// GetTraceSummaries: the store.Position of the last trace returned,
	// and the range type it was ordered by.
	Time      float64 `json:"t,omitempty"`
	TraceID   string  `json:"id,omitempty"`
	RangeType uint8   `json:"r,omitempty"`
}

func (t pageToken) encode() string {
	b, err := json.Marshal(t)
	if err != nil {
		panic("api: cannot encode page token: " + err.Error()) // only finite numbers go in
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken parses a NextToken issued for op.
func decodeToken(s, op string) (pageToken, error) {
	var t pageToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Op != op {
		return pageToken{}, invalidRequest("NextToken %.40q was not issued by this server for %s", s, op)
	}
	return t, nil
}

// hashIDs fingerprints a list of trace IDs for pageToken.IDHash.
func hashIDs(ids []string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(strings.Join(ids, ",")))
	return h.Sum64()
}
