package otlp

import "go.opentelemetry.io/collector/pdata/pcommon"

// awsKeys are span attributes makeAWS turns into the aws block.
var awsKeys = []string{
	"aws.operation", "aws.account_id", "aws.region", "aws.request_id", "aws.requestId",
	"aws.queue_url", "aws.sqs.queue_url", "aws.table_name", "aws.dynamodb.table_names",
	"aws.s3.bucket", "aws.lambda.function_name", "aws.sns.topic.arn",
}

// makeAWS adds the span's AWS call (operation, region, request ID,
// resource names) to into, creating it when needed. awsSDK says the span
// is an AWS SDK call (rpc.system "aws-api"), whose rpc.method is the
// operation.
func makeAWS(a attrs, awsSDK bool, into map[string]any, region string) map[string]any {
	put := func(k, v string) {
		if v == "" {
			return
		}
		if into == nil {
			into = map[string]any{}
		}
		into[k] = v
	}
	op := a.str("aws.operation")
	if op == "" && awsSDK {
		op = a.str("rpc.method")
	}
	put("operation", op)
	put("account_id", a.str("aws.account_id"))
	r := a.str("aws.region")
	if r == "" && awsSDK {
		r = region
	}
	put("region", r)
	put("request_id", a.str("aws.request_id", "aws.requestId"))
	put("queue_url", a.str("aws.queue_url", "aws.sqs.queue_url"))
	if t := a.str("aws.table_name"); t != "" {
		put("table_name", t)
	} else if v, ok := a.value("aws.dynamodb.table_names"); ok && v.Type() == pcommon.ValueTypeSlice {
		if s := v.Slice(); s.Len() == 1 {
			put("table_name", s.At(0).AsString())
		} else if s.Len() > 1 {
			names := make([]any, s.Len())
			for i := range s.Len() {
				names[i] = s.At(i).AsString()
			}
			if into == nil {
				into = map[string]any{}
			}
			into["table_names"] = names
		}
	}
	put("bucket_name", a.str("aws.s3.bucket"))
	put("function_name", a.str("aws.lambda.function_name"))
	put("topic_arn", a.str("aws.sns.topic.arn"))
	return into
}
