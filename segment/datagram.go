package segment

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Header is the header line SDKs put before the document in a datagram.
const Header = `{"format": "json", "version": 1}`

// SplitDatagram separates a daemon-protocol UDP datagram into its header and
// document. The header is checked semantically (format "json" in any case,
// version 1), not byte for byte, because SDKs differ in spacing.
func SplitDatagram(b []byte) (doc []byte, err error) {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		return nil, reject(CodeInvalidSegment, "", "datagram has no header line (no newline)")
	}
	head, doc := b[:nl], b[nl+1:]
	if !headerOK(head) {
		return nil, reject(CodeInvalidSegment, "", "datagram header %.64q is not {\"format\":\"json\",\"version\":1}", head)
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, reject(CodeInvalidSegment, "", "datagram has a header but no document")
	}
	return doc, nil
}

func headerOK(head []byte) bool {
	head = bytes.TrimSpace(head)
	// Fast paths: what the Go/Python/Java SDKs and the Node SDK send.
	if string(head) == Header || string(head) == `{"format":"json","version":1}` {
		return true
	}
	var h struct {
		Format  string      `json:"format"`
		Version json.Number `json:"version"`
	}
	if err := json.Unmarshal(head, &h); err != nil {
		return false
	}
	v, err := h.Version.Float64()
	return err == nil && strings.EqualFold(h.Format, "json") && v == 1
}
