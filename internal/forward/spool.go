package forward

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// spool is an on-disk FIFO of documents that absorbs upstream outages
// beyond the memory buffer. It is a directory of numbered files
// (000001.spool, …), each a sequence of records
//
//	u32 raw length | u8 ID length | ID | raw document JSON
//
// (little endian). Records are appended to the newest file, read from the
// oldest, and a file is deleted once read to its end. The read position
// within the oldest file is saved in "cursor" when a file is finished and
// at Close; after a crash the records read since the last save are sent
// again, which is harmless: a document resent with the same trace ID and
// ID replaces itself in X-Ray and in Lightbox. A record cut short by a
// crash ends its file.
type spool struct {
	dir      string
	maxBytes int64
	fileMax  int64
	log      *slog.Logger

	mu    sync.Mutex
	files []int64 // sequence numbers, oldest first; the last is written
	w     *os.File
	wSize int64
	r     *os.File // the oldest file, open for reading
	rSeq  int64
	rOff  int64
	bytes int64 // unread bytes
	docs  int64 // unread records
}

const (
	spoolFileMax   = 8 << 20
	spoolHeaderLen = 5
)

var errSpoolFull = errors.New("spool is full")

func spoolName(seq int64) string { return fmt.Sprintf("%06d.spool", seq) }

// openSpool opens dir, counting what earlier runs left in it, and starts a
// new file for writing.
func openSpool(dir string, maxBytes int64, log *slog.Logger) (*spool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create spool directory %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read spool directory %s: %w", dir, err)
	}
	s := &spool{dir: dir, maxBytes: maxBytes, fileMax: min(spoolFileMax, max(maxBytes/4, 1<<16)), log: log}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".spool")
		if seq, err := strconv.ParseInt(name, 10, 64); ok && err == nil {
			s.files = append(s.files, seq)
		}
	}
	slices.Sort(s.files)
	if b, err := os.ReadFile(filepath.Join(dir, "cursor")); err == nil && len(s.files) > 0 {
		var seq, off int64
		if _, err := fmt.Sscanf(string(b), "%d %d", &seq, &off); err == nil && seq == s.files[0] {
			s.rOff = off
		}
	}
	for i, seq := range s.files {
		from := int64(0)
		if i == 0 {
			from = s.rOff
		}
		n, size, err := countRecords(filepath.Join(dir, spoolName(seq)), from)
		if err != nil {
			return nil, err
		}
		s.docs += n
		s.bytes += size
	}
	next := int64(1)
	if len(s.files) > 0 {
		next = s.files[len(s.files)-1] + 1
	}
	if err := s.startFile(next); err != nil {
		return nil, err
	}
	return s, nil
}

// countRecords returns the whole records of a file from offset from on,
// and their bytes.
func countRecords(path string, from int64) (n, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("cannot open spool file: %w", err)
	}
	defer f.Close()
	var h [spoolHeaderLen]byte
	for off := from; ; {
		if _, err := f.ReadAt(h[:], off); err != nil {
			return n, size, nil
		}
		rec := int64(spoolHeaderLen) + int64(h[4]) + int64(binary.LittleEndian.Uint32(h[:4]))
		st, err := f.Stat()
		if err != nil {
			return 0, 0, fmt.Errorf("cannot stat spool file: %w", err)
		}
		if off+rec > st.Size() {
			return n, size, nil
		}
		n++
		size += rec
		off += rec
	}
}

func (s *spool) startFile(seq int64) error {
	f, err := os.OpenFile(filepath.Join(s.dir, spoolName(seq)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("cannot create spool file: %w", err)
	}
	if s.w != nil {
		s.w.Close()
	}
	s.w, s.wSize = f, 0
	s.files = append(s.files, seq)
	return nil
}

// empty reports whether nothing waits in the spool.
func (s *spool) empty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docs == 0
}

// add appends a document, or returns errSpoolFull when it does not fit.
func (s *spool) add(id string, raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(id) > 255 {
		id = id[:255]
	}
	rec := make([]byte, spoolHeaderLen, spoolHeaderLen+len(id)+len(raw))
	binary.LittleEndian.PutUint32(rec[:4], uint32(len(raw)))
	rec[4] = byte(len(id))
	rec = append(append(rec, id...), raw...)
	if s.bytes+int64(len(rec)) > s.maxBytes {
		return errSpoolFull
	}
	if s.wSize >= s.fileMax {
		if err := s.startFile(s.files[len(s.files)-1] + 1); err != nil {
			return err
		}
	}
	if _, err := s.w.Write(rec); err != nil {
		return fmt.Errorf("cannot write spool: %w", err)
	}
	s.wSize += int64(len(rec))
	s.bytes += int64(len(rec))
	s.docs++
	return nil
}

// peekSize is the size of the next document's JSON, or -1 when the spool
// is empty.
func (s *spool) peekSize() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.header()
	if !ok {
		return -1
	}
	return int64(binary.LittleEndian.Uint32(h[:4]))
}

// header reads the next record's header, moving past finished files.
func (s *spool) header() ([spoolHeaderLen]byte, bool) {
	var h [spoolHeaderLen]byte
	for s.docs > 0 {
		if s.r == nil {
			f, err := os.Open(filepath.Join(s.dir, spoolName(s.files[0])))
			if err != nil {
				s.log.Error("cannot open spool file; its documents are lost", "err", err)
				s.finishFile()
				continue
			}
			s.r, s.rSeq = f, s.files[0]
		}
		_, err := s.r.ReadAt(h[:], s.rOff)
		if err == nil {
			st, serr := s.r.Stat()
			rec := int64(spoolHeaderLen) + int64(h[4]) + int64(binary.LittleEndian.Uint32(h[:4]))
			if serr == nil && s.rOff+rec <= st.Size() {
				return h, true
			}
		} else if !errors.Is(err, io.EOF) {
			s.log.Error("cannot read spool file", "err", err)
		}
		if len(s.files) == 1 {
			return h, false // the file being written: nothing more yet
		}
		s.finishFile()
	}
	return h, false
}

// finishFile deletes the oldest file and saves the cursor.
func (s *spool) finishFile() {
	if s.r != nil {
		s.r.Close()
		s.r = nil
	}
	os.Remove(filepath.Join(s.dir, spoolName(s.files[0])))
	s.files = s.files[1:]
	s.rOff = 0
	s.saveCursor()
}

func (s *spool) saveCursor() {
	if len(s.files) == 0 {
		return
	}
	if err := os.WriteFile(filepath.Join(s.dir, "cursor"), fmt.Appendf(nil, "%d %d\n", s.files[0], s.rOff), 0o644); err != nil {
		s.log.Warn("cannot save spool cursor; some documents may be sent twice after a restart", "err", err)
	}
}

// next removes and returns the oldest document.
func (s *spool) next() (id string, raw []byte, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.header()
	if !ok {
		return "", nil, false
	}
	idLen, rawLen := int(h[4]), int(binary.LittleEndian.Uint32(h[:4]))
	body := make([]byte, idLen+rawLen)
	if _, err := s.r.ReadAt(body, s.rOff+spoolHeaderLen); err != nil {
		s.log.Error("cannot read spool record", "err", err)
		return "", nil, false
	}
	rec := int64(spoolHeaderLen + len(body))
	s.rOff += rec
	s.bytes -= rec
	s.docs--
	return string(body[:idLen]), body[idLen:], true
}

func (s *spool) stats() (docs, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docs, s.bytes
}

// close syncs and closes the files, keeping what is unread for the next run.
func (s *spool) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saveCursor()
	if s.r != nil {
		s.r.Close()
	}
	err := s.w.Sync()
	if cerr := s.w.Close(); err == nil {
		err = cerr
	}
	if s.wSize == 0 {
		// Nothing was spooled into the newest file: leave none behind.
		os.Remove(filepath.Join(s.dir, spoolName(s.files[len(s.files)-1])))
	}
	if err != nil {
		return fmt.Errorf("cannot close spool: %w", err)
	}
	return nil
}
