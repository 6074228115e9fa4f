package otlp

import (
	"slices"
	"strconv"
	"strings"

	"github.com/lightbox-tracing/lightbox/segment"
)

// maxStackFrames bounds the frames kept per exception, as X-Ray SDKs do.
const maxStackFrames = 50

// parseStack turns exception.stacktrace text into frames. It understands
// Java ("at pkg.Class.method(File.java:12)"), Python ('File "x.py", line
// 3, in f') and Go ("pkg.f(...)" followed by "\t/path/file.go:12 +0x1d");
// any other line becomes a frame with only a label.
func parseStack(text string) (frames []segment.StackFrame) {
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	structured := false
	defer func() {
		// With recognised frames, the other lines are headers and
		// messages ("Traceback …", "ValueError: bad"), not frames.
		if structured {
			frames = slices.DeleteFunc(frames, func(f segment.StackFrame) bool { return f.Path == "" })
		}
	}()
	for i := 0; i < len(lines) && len(frames) < maxStackFrames; i++ {
		line := strings.TrimSpace(lines[i])
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "at "):
			structured = true
			frames = append(frames, javaFrame(strings.TrimPrefix(line, "at ")))
		case strings.HasPrefix(line, `File "`):
			structured = true
			f := pythonFrame(line)
			if i+1 < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i+1]), `File "`) {
				i++ // the source line Python prints under each frame
			}
			frames = append(frames, f)
		case i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") && strings.Contains(lines[i+1], ".go:"):
			structured = true
			path, num := goLocation(strings.TrimSpace(lines[i+1]))
			frames = append(frames, segment.StackFrame{Label: line, Path: path, Line: num})
			i++
		default:
			frames = append(frames, segment.StackFrame{Label: line})
		}
	}
	return frames
}

func javaFrame(s string) segment.StackFrame {
	open := strings.LastIndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return segment.StackFrame{Label: s}
	}
	f := segment.StackFrame{Label: s[:open]}
	loc := s[open+1 : len(s)-1]
	if file, num, ok := strings.Cut(loc, ":"); ok {
		f.Path = file
		f.Line, _ = strconv.Atoi(num)
	} else {
		f.Path = loc
	}
	return f
}

func pythonFrame(s string) segment.StackFrame {
	// File "app.py", line 12, in handler
	rest := strings.TrimPrefix(s, `File "`)
	path, rest, _ := strings.Cut(rest, `"`)
	f := segment.StackFrame{Path: path}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		switch {
		case strings.HasPrefix(part, "line "):
			f.Line, _ = strconv.Atoi(strings.TrimPrefix(part, "line "))
		case strings.HasPrefix(part, "in "):
			f.Label = strings.TrimPrefix(part, "in ")
		}
	}
	return f
}

func goLocation(s string) (string, int) {
	if sp := strings.IndexByte(s, ' '); sp >= 0 {
		s = s[:sp]
	}
	colon := strings.LastIndexByte(s, ':')
	if colon < 0 {
		return s, 0
	}
	n, _ := strconv.Atoi(s[colon+1:])
	return s[:colon], n
}
