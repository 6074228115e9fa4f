package forward

import "syscall"

// allocSlots returns size bytes of memory mapped outside the Go heap, for
// the reader's datagram slots: only the pages datagrams fill become
// resident, and the garbage collector neither scans them nor counts them
// toward its heap goal (as heap memory, 2 MiB of mostly empty slots grew
// the daemon's RSS by about 3 MB).
func allocSlots(size int) ([]byte, func()) {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]byte, size), func() {}
	}
	return b, func() { _ = syscall.Munmap(b) }
}
