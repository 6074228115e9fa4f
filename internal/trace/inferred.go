package trace

import (
	"strings"

	"github.com/lightbox-tracing/lightbox/segment"
)

// Node types of inferred nodes that are not AWS services.
const (
	TypeSQL    = "Database::SQL"
	TypeRemote = "remote"
	TypeClient = "client"
)

// isDownstream reports whether a subsegment is a call to another service: an
// AWS SDK call (namespace aws), any other remote call (namespace remote), or
// a database query (an sql block, whatever the namespace). Subsegments
// without these are local work and never become nodes.
func isDownstream(d *segment.Document) bool {
	return len(d.SQL) > 0 || d.Namespace == "aws" || d.Namespace == "remote"
}

// inferredService is the node a downstream call stands for when the callee
// sent no segment of its own (spec §5.2). Names is left for the caller.
func inferredService(d *segment.Document) ServiceID {
	switch {
	case len(d.SQL) > 0:
		return ServiceID{Name: d.Name, Type: TypeSQL}
	case d.Namespace == "aws":
		name := awsServiceName(d.Name)
		s := ServiceID{Name: name, Type: awsNodeType(name, d.AWS)}
		if d.AWS != nil {
			s.AccountID = d.AWS.AccountID
		}
		return s
	default:
		return ServiceID{Name: d.Name, Type: TypeRemote}
	}
}

// awsServiceName gives the usual spelling of the AWS services whose SDKs
// name subsegments differently: the Python SDK uses the endpoint prefix
// ("dynamodb"), the Java v2 SDK its own casing ("DynamoDb"), while the Go,
// Node and Java v1 SDKs already say "DynamoDB". One spelling makes one node
// and one node type for filters such as service(id(type: "AWS::DynamoDB")).
// Names not listed are kept as sent.
func awsServiceName(name string) string {
	switch strings.ToLower(name) {
	case "dynamodb":
		return "DynamoDB"
	case "s3":
		return "S3"
	case "sqs":
		return "SQS"
	case "sns":
		return "SNS"
	case "lambda":
		return "Lambda"
	case "kinesis":
		return "Kinesis"
	case "firehose":
		return "Firehose"
	case "sts":
		return "STS"
	case "secretsmanager":
		return "SecretsManager"
	case "ssm":
		return "SSM"
	case "ec2":
		return "EC2"
	}
	return name
}

// awsNodeType is "AWS::<service>", or the resource type when the call names
// one resource (spec §5.2; AWS does not publish its mapping, so this table is
// ours and deliberately small):
//
//	DynamoDB + table_name    → AWS::DynamoDB::Table
//	S3       + bucket_name   → AWS::S3::Bucket
//	SQS      + queue_url     → AWS::SQS::Queue
//	SNS      + topic_arn     → AWS::SNS::Topic
//	Lambda   + function_name → AWS::Lambda::Function
func awsNodeType(service string, a *segment.AWS) string {
	// Constant strings for the services listed: this runs at ingest.
	switch service {
	case "DynamoDB":
		if a != nil && a.TableName != "" {
			return "AWS::DynamoDB::Table"
		}
		return "AWS::DynamoDB"
	case "S3":
		if a != nil && a.BucketName != "" {
			return "AWS::S3::Bucket"
		}
		return "AWS::S3"
	case "SQS":
		if a != nil && a.QueueURL != "" {
			return "AWS::SQS::Queue"
		}
		return "AWS::SQS"
	case "SNS":
		if a != nil && a.TopicARN != "" {
			return "AWS::SNS::Topic"
		}
		return "AWS::SNS"
	case "Lambda":
		if a != nil && a.FunctionName != "" {
			return "AWS::Lambda::Function"
		}
		return "AWS::Lambda"
	}
	return "AWS::" + service
}
