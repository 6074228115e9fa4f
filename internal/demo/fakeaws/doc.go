// Package fakeaws runs small loopback stand-ins for the AWS services the
// ImageTrends demo calls: S3 (path-style PutObject, GetObject, HeadObject)
// and Rekognition (DetectLabels). They speak the real wire protocols, so the
// demo uses the unchanged aws-sdk-go-v2 clients and the X-Ray SDK records
// genuine aws subsegments (operation, region, request ID, retries), and they
// misbehave on purpose: response times drawn from a distribution, S3 5xx
// faults and Rekognition throttles, at configurable rates.
//
// Faults are decided per SDK invocation (the amz-sdk-invocation-id header
// the AWS SDKs repeat on every retry of one call), not per attempt, so some
// calls recover after a retry and others exhaust their attempts, which is
// what a throttling episode looks like from the client.
package fakeaws
