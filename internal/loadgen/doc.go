// Package loadgen is Lightbox's load tool: it sends realistic segment
// documents over UDP at a precise rate, then asks the X-Ray API for every
// trace it sent and reports how many documents were stored and how many
// were lost.
//
// The sender has to be cheap because it shares the machine with the
// server: documents are encoded once, as templates, and each send only
// copies a template and patches its IDs and times in place.
package loadgen
