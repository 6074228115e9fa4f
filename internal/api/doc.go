// Package api serves the AWS X-Ray REST-JSON API (protocol restJson1,
// version 2016-04-12) as an http.Handler.
//
// Every operation is a POST to a fixed path (routes.go). Each handler
// decodes its input strictly, returns (result, error), and one wrapper
// (wrap.go) writes the result as JSON or maps the error to X-Ray's error
// shape: status, header x-amzn-ErrorType and body {"__type", "message"}.
// Requests are never authenticated: SigV4 headers are accepted and ignored,
// which is what the X-Ray daemon's local proxy offers SDKs too.
package api
