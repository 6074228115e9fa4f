// Package local is the embedded storage engine: Pebble on local disk, one
// directory, no other process. It keeps every document under its trace,
// assembles each trace in the background into a trace summary with time
// indexes, and drops expired data a whole time partition at a time so that
// disk space really comes back. FORMAT.md beside this file documents the
// keys and values on disk.
package local
