package otlp

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// BenchmarkTranslate is the translation of one 512-span export request
// (64 traces of 8 spans), decoding included.
func BenchmarkTranslate(b *testing.B) {
	body, err := ptraceotlp.NewExportRequestFromTraces(workload(64, time.Unix(1700000000, 0))).MarshalProto()
	if err != nil {
		b.Fatal(err)
	}
	tr := NewTranslator(TranslationOptions{})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			b.Fatal(err)
		}
		res := tr.Translate(req.Traces())
		if res.Rejected != 0 || len(res.Docs) != 64 {
			b.Fatalf("rejected %d, %d documents", res.Rejected, len(res.Docs))
		}
	}
	spans := float64(b.N * 64 * spansPerTrace)
	b.ReportMetric(spans/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(spans/(cpuTime()-cpu0).Seconds(), "spans/cpu-s")
}
