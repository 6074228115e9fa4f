package otlp

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Origins X-Ray knows, by cloud.platform.
const (
	originEC2        = "AWS::EC2::Instance"
	originECS        = "AWS::ECS::Container"
	originECSEC2     = "AWS::ECS::EC2"
	originECSFargate = "AWS::ECS::Fargate"
	originEB         = "AWS::ElasticBeanstalk::Environment"
	originEKS        = "AWS::EKS::Container"
	originAppRunner  = "AWS::AppRunner::Service"
	originLambda     = "AWS::Lambda::Function"
)

// resourceInfo is what one resource contributes to its segments, worked
// out once per resource.
type resourceInfo struct {
	serviceName string
	origin      string
	aws         map[string]any // the resource part of a segment's aws block
	service     map[string]any
	meta        []resourceAttr // copied into every segment's metadata
	region      string

	// The last trace ID converted: a resource's spans come trace by trace.
	lastTrace pcommon.TraceID
	lastXRay  string
}

// traceIDString is xrayTraceID, remembering the last answer.
func (ri *resourceInfo) traceIDString(id pcommon.TraceID) string {
	if ri.lastXRay == "" || id != ri.lastTrace {
		ri.lastTrace, ri.lastXRay = id, xrayTraceID(id)
	}
	return ri.lastXRay
}

// resourceAttr is a resource attribute as segments carry it, converted
// once per resource rather than once per segment. The values are shared by
// the documents, which only read them.
type resourceAttr struct {
	key         string // otel.resource.<key>
	value       any
	annotation  any
	annotatable bool
}

func newResourceInfo(r pcommon.Resource) *resourceInfo {
	a := attrs{r.Attributes()}
	ri := &resourceInfo{serviceName: a.str("service.name"), region: a.str("cloud.region")}
	for k, v := range r.Attributes().All() {
		av, ok := annotationValue(v)
		ri.meta = append(ri.meta, resourceAttr{key: resourcePrefix + k, value: rawValue(v), annotation: av, annotatable: ok})
	}
	provider, platform := a.str("cloud.provider"), a.str("cloud.platform")
	if provider == "" || provider == "aws" {
		ri.origin = origin(a, platform)
	}
	aws := map[string]any{}
	put := func(m map[string]any, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	if provider == "aws" {
		put(aws, "account_id", a.str("cloud.account.id"))
	}
	switch platform {
	case "aws_ec2":
		ec2 := map[string]any{}
		put(ec2, "instance_id", a.str("host.id"))
		put(ec2, "availability_zone", a.str("cloud.availability_zone"))
		put(ec2, "instance_size", a.str("host.type"))
		put(ec2, "ami_id", a.str("host.image.id"))
		if len(ec2) > 0 {
			aws["ec2"] = ec2
		}
	case "aws_ecs":
		ecs := map[string]any{}
		put(ecs, "container", a.str("container.name", "host.name"))
		put(ecs, "container_id", a.str("container.id"))
		put(ecs, "task_arn", a.str("aws.ecs.task.arn"))
		put(ecs, "cluster_arn", a.str("aws.ecs.cluster.arn"))
		put(ecs, "launch_type", a.str("aws.ecs.launchtype"))
		put(ecs, "availability_zone", a.str("cloud.availability_zone"))
		if len(ecs) > 0 {
			aws["ecs"] = ecs
		}
	case "aws_elastic_beanstalk":
		eb := map[string]any{}
		put(eb, "environment_name", a.str("service.namespace"))
		put(eb, "version_label", a.str("service.version"))
		if id, ok := a.int("service.instance.id"); ok {
			eb["deployment_id"] = id
		}
		if len(eb) > 0 {
			aws["elastic_beanstalk"] = eb
		}
	}
	// Kubernetes resources get the eks block on EKS and anywhere else the
	// cluster is named, so the pod behind a segment is always known.
	if platform == "aws_eks" || a.has("k8s.cluster.name", "k8s.pod.name") {
		eks := map[string]any{}
		put(eks, "cluster_name", a.str("k8s.cluster.name"))
		put(eks, "pod", a.str("k8s.pod.name"))
		put(eks, "namespace", a.str("k8s.namespace.name"))
		put(eks, "container_id", a.str("container.id"))
		if len(eks) > 0 {
			aws["eks"] = eks
		}
	}
	if sdk := a.str("telemetry.sdk.name"); sdk != "" {
		xray := map[string]any{"sdk": sdk}
		if lang := a.str("telemetry.sdk.language"); lang != "" {
			xray["sdk"] = sdk + " for " + lang
		}
		put(xray, "sdk_version", a.str("telemetry.sdk.version"))
		if a.has("telemetry.auto.version", "telemetry.distro.version") {
			xray["auto_instrumentation"] = true
		}
		aws["xray"] = xray
	}
	if len(aws) > 0 {
		ri.aws = aws
	}
	if v := a.str("service.version"); v != "" {
		ri.service = map[string]any{"version": v}
	}
	return ri
}

func origin(a attrs, platform string) string {
	switch platform {
	case "aws_ec2":
		return originEC2
	case "aws_ecs":
		switch a.str("aws.ecs.launchtype") {
		case "ec2":
			return originECSEC2
		case "fargate":
			return originECSFargate
		}
		return originECS
	case "aws_eks":
		return originEKS
	case "aws_elastic_beanstalk":
		return originEB
	case "aws_app_runner":
		return originAppRunner
	case "aws_lambda":
		return originLambda
	}
	return ""
}
