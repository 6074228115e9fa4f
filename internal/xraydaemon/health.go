package xraydaemon

import (
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Health is the /healthz body: the same figures as /metrics, summed up.
type Health struct {
	// Status is "ok", or "degraded" while the latest upload failed. The
	// HTTP status stays 200 then: restarting the daemon because its
	// upstream is down would throw its buffer away.
	Status   string        `json:"status"`
	Upstream string        `json:"upstream"`
	Signed   bool          `json:"signed"`
	UDP      UDPHealth     `json:"udp"`
	Forward  ForwardHealth `json:"forward"`
}

// UDPHealth counts datagrams: received = accepted + rejected.
type UDPHealth struct {
	Received float64            `json:"received"`
	Accepted float64            `json:"accepted"`
	Rejected map[string]float64 `json:"rejected"`
}

// ForwardHealth counts documents:
// offered + restored = sent + dropped + buffered + spooled.
type ForwardHealth struct {
	Offered       int64            `json:"offered"`
	Sent          int64            `json:"sent"`
	Dropped       map[string]int64 `json:"dropped"`
	Buffered      int64            `json:"buffered"`
	BufferedBytes int64            `json:"buffered_bytes"`
	BufferBytes   int64            `json:"buffer_bytes"`
	Spooled       int64            `json:"spooled"`
	SpooledBytes  int64            `json:"spooled_bytes"`
	Restored      int64            `json:"restored"`
	Requests      map[string]int64 `json:"requests"`
	Retries       int64            `json:"retries"`
	LastError     string           `json:"last_error,omitempty"`
}

// Health reports the daemon's figures.
func (d *Daemon) Health() Health {
	st := d.fwd.Stats()
	h := Health{
		Status:   "ok",
		Upstream: d.up.url.String(),
		Signed:   d.up.sign,
		UDP:      udpHealth(d.registry),
		Forward: ForwardHealth{
			Offered: st.Offered, Sent: st.Sent, Dropped: st.Dropped, Buffered: st.Buffered,
			BufferedBytes: st.BufferedBytes, BufferBytes: st.BufferBytes, Requests: st.Requests,
			Spooled: st.Spooled, SpooledBytes: st.SpooledBytes, Restored: st.Restored,
			Retries: st.Retries, LastError: st.LastError,
		},
	}
	if st.LastError != "" {
		h.Status = "degraded"
	}
	return h
}

// udpHealth reads the UDP receiver's document counters back from the
// registry, so /healthz and /metrics cannot disagree.
func udpHealth(g prometheus.Gatherer) UDPHealth {
	h := UDPHealth{Rejected: map[string]float64{}}
	mfs, err := g.Gather()
	if err != nil {
		return h
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if label(m, "source") != "udp" {
				continue
			}
			v := m.GetCounter().GetValue()
			switch mf.GetName() {
			case "lightbox_documents_received_total":
				h.Received = v
			case "lightbox_documents_accepted_total":
				h.Accepted = v
			case "lightbox_documents_rejected_total":
				h.Rejected[label(m, "reason")] = v
			}
		}
	}
	return h
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func (d *Daemon) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if !d.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(d.Health())
}
