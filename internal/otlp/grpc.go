package otlp

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // OTel exporters may compress with gzip
	"google.golang.org/grpc/status"
)

// traceService is OTLP's gRPC service. It is registered by hand, with a
// codec that hands the handler the request's bytes, rather than through
// ptraceotlp.RegisterGRPCServer: gRPC answers a request its codec cannot
// decode with codes.Internal, and OTLP wants InvalidArgument (not
// retryable) for a malformed request. pdata still does all the decoding.
var traceService = grpc.ServiceDesc{
	ServiceName: "opentelemetry.proto.collector.trace.v1.TraceService",
	HandlerType: (*any)(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "Export", Handler: exportHandler}},
	Metadata:    "opentelemetry/proto/collector/trace/v1/trace_service.proto",
}

func newGRPCServer(in *ingester, maxBytes int) *grpc.Server {
	s := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.MaxRecvMsgSize(maxBytes))
	s.RegisterService(&traceService, in)
	return s
}

func exportHandler(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := srv.(*ingester)
	var body []byte
	if err := dec(&body); err != nil {
		return nil, err
	}
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		in.request("grpc", resultInvalid)
		return nil, status.Errorf(codes.InvalidArgument, "cannot decode ExportTraceServiceRequest (%d bytes): %v", len(body), err)
	}
	resp, err := in.export(ctx, req.Traces())
	in.request("grpc", resultOf(resp, err))
	if err != nil {
		return nil, status.Error(grpcCode(err), err.Error())
	}
	b, err := resp.MarshalProto()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "cannot encode response: %v", err)
	}
	return b, nil
}

// grpcCode maps an export failure: a store failure is Unavailable, which
// OTLP exporters retry; a cancelled request is Canceled.
func grpcCode(err error) codes.Code {
	switch {
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	}
	return codes.Unavailable
}

// rawCodec passes message bytes through: requests are decoded by pdata in
// the handler, responses arrive already encoded.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) ([]byte, error) {
	if b, ok := v.([]byte); ok {
		return b, nil
	}
	return nil, fmt.Errorf("cannot encode %T: the OTLP service sends only encoded responses", v)
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	p, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("cannot decode into %T", v)
	}
	*p = data
	return nil
}
