package otlp

import (
	"encoding/json"

	"github.com/lightbox-tracing/lightbox/segment"
)

// document builds the segment.Document that segment.Parse would return
// for raw, the entity's JSON, without decoding it again: decoding was
// half the translation's cost. TestDocumentMatchesParse and FuzzTranslate
// hold the two to the same result.
func (e *entity) document(raw []byte) (*segment.Document, error) {
	d := &segment.Document{
		TraceID: e.TraceID, ID: e.ID, ParentID: e.ParentID, Name: e.Name,
		StartTime: e.StartTime, EndTime: e.EndTime, Type: e.Type, Namespace: e.Namespace,
		Origin: e.Origin, User: e.User, HTTP: e.HTTP, Error: e.Error, Throttle: e.Throttle,
		Fault: e.Fault, Cause: e.Cause, Raw: raw,
	}
	if e.Annotations != nil {
		d.Annotations = make(map[string]any, len(e.Annotations))
		for k, v := range e.Annotations {
			switch v := v.(type) {
			case int64: // JSON numbers decode as float64
				d.Annotations[k] = float64(v)
			default:
				d.Annotations[k] = v
			}
		}
	}
	if e.SQL != nil {
		d.SQL = make(map[string]json.RawMessage, len(e.SQL))
		for k, v := range e.SQL {
			d.SQL[k] = appendValue(nil, v)
		}
	}
	if e.AWS != nil {
		a, err := awsBlock(e.AWS)
		if err != nil {
			return nil, err
		}
		d.AWS = a
	}
	for _, s := range e.Subsegments {
		sd, err := s.document(nil)
		if err != nil {
			return nil, err
		}
		d.Subsegments = append(d.Subsegments, sd)
	}
	return d, nil
}

// awsBlock is the typed form of an aws block.
func awsBlock(m map[string]any) (*segment.AWS, error) {
	str := func(k string) string { s, _ := m[k].(string); return s }
	a := &segment.AWS{
		AccountID: str("account_id"), Operation: str("operation"), Region: str("region"),
		RequestID: str("request_id"), QueueURL: str("queue_url"), TableName: str("table_name"),
		BucketName: str("bucket_name"), FunctionName: str("function_name"), TopicARN: str("topic_arn"),
	}
	sub := func(k string) map[string]any { s, _ := m[k].(map[string]any); return s }
	if ec2 := sub("ec2"); ec2 != nil {
		id, _ := ec2["instance_id"].(string)
		az, _ := ec2["availability_zone"].(string)
		a.EC2 = &segment.EC2{InstanceID: id, AvailabilityZone: az}
	}
	if ecs := sub("ecs"); ecs != nil {
		c, _ := ecs["container"].(string)
		az, _ := ecs["availability_zone"].(string)
		a.ECS = &segment.ECS{Container: c, AvailabilityZone: az}
	}
	for k, dst := range map[string]*json.RawMessage{"eks": &a.EKS, "elastic_beanstalk": &a.ElasticBeanstalk, "xray": &a.XRay} {
		if v, ok := m[k]; ok {
			*dst = appendValue(nil, v)
		}
	}
	return a, nil
}
