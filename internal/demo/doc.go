// Package demo is ImageTrends, the photo application of the X-Ray
// workshops, instrumented with the real aws-xray-sdk-go the way a user
// instruments theirs, plus a traffic generator that keeps it busy.
//
// ImageTrends is two services. imagetrends is the web front end (log in,
// upload a photo, My photos): xray.Handler middleware, xray.Capture around
// resize_image, the SDK's AWS SDK v2 instrumentation on an S3 client, the
// SDK's SQL instrumentation on database/sql (embedded SQLite, or PostgreSQL
// when given a DSN), and xray.Client to call labeler. labeler asks
// Rekognition for labels. S3 and Rekognition are loopback stand-ins (package
// fakeaws) that answer with realistic latency, throttles and faults, so the
// service map shows client → imagetrends → labeler, S3, Rekognition and the
// database with something to find in it.
//
// Everything binds loopback ports and sends segments over UDP to the
// address it is given, as any X-Ray SDK would send to the daemon.
package demo
