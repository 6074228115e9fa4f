package xraydaemon

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestRoleARNSignsWithAssumedCredentials: with --role-arn the daemon asks
// STS (a loopback one, through AWS_ENDPOINT_URL_STS) for the role's
// credentials, using the chain's own, and signs with the role's.
func TestRoleARNSignsWithAssumedCredentials(t *testing.T) {
	isolateAWS(t, "AKIDBASE", "basesecret")
	const role = "arn:aws:iam::123456789012:role/xray-writer"
	var assumed atomic.Int64
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		if form.Get("Action") != "AssumeRole" || form.Get("RoleArn") != role ||
			!strings.Contains(r.Header.Get("Authorization"), "Credential=AKIDBASE/") {
			t.Errorf("unexpected STS call: %s %s auth %q", r.URL, b, r.Header.Get("Authorization"))
			w.WriteHeader(400)
			return
		}
		assumed.Add(1)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey><SessionToken>roletoken</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/xray-writer/s</Arn><AssumedRoleUserId>AROA:s</AssumedRoleUserId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>req</RequestId></ResponseMetadata></AssumeRoleResponse>`)
	}))
	t.Cleanup(sts.Close)
	t.Setenv("AWS_ENDPOINT_URL_STS", sts.URL)

	v := newVerifier(t, aws.Credentials{AccessKeyID: "ASIAROLE", SecretAccessKey: "rolesecret", SessionToken: "roletoken"})
	d := startDaemon(t, Config{Endpoint: v.srv.URL, Region: "us-west-2", RoleARN: role})
	for i := range 5 {
		sendUDP(t, d.UDPAddr(), segmentJSON(i, 10))
	}
	waitFor(t, "upload", func() bool { return d.Stats().Sent == 5 })
	chunkedSamplingCall(t, d)
	_, auth, bad := v.report()
	for _, b := range bad {
		t.Error(b)
	}
	for _, a := range auth {
		if !strings.Contains(a, "Credential=ASIAROLE/") {
			t.Errorf("Authorization %q: not signed with the assumed role's key", a)
		}
	}
	if assumed.Load() == 0 {
		t.Error("STS AssumeRole was never called")
	}
}
