// Package console serves Lightbox's web console: a single-page application
// built from web/ with Vite and committed under dist/, embedded in the
// binary so that `go build` never needs Node.
//
// The handler answers the console's own paths (/, /map, /traces, ...) with
// index.html and its hashed assets under /assets/ with long-lived caching.
// The X-Ray API owns every POST path; the console owns only GET paths.
package console
