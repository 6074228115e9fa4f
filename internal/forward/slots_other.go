//go:build !linux

package forward

// allocSlots returns size bytes for the reader's datagram slots.
func allocSlots(size int) ([]byte, func()) { return make([]byte, size), func() {} }
