package pipes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
)

// Defaults of Tailer and StreamSplitter.
const (
	DefaultPoll    = 25 * time.Millisecond
	DefaultMinPoll = time.Millisecond
	DefaultMaxLine = 16 << 20
)

// readSize is how much the readers ask for at once.
const readSize = 64 << 10

// LineTooLongError reports a line longer than the reader's limit, which it skipped.
type LineTooLongError struct {
	Offset int64  // where the line starts in the file or stream
	Length int64  // its length, without the newline
	Max    int    // the limit
	Head   []byte // the line's first bytes, at most 256
}

func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("skipped a line of %d bytes at offset %d: Pipes messages are limited to %d bytes", e.Length, e.Offset, e.Max)
}

// SkippedLinesError is what Tail returns, once it has read everything else, when it skipped
// lines longer than MaxLine and had no OnLongLine to report them to.
type SkippedLinesError struct {
	Lines []*LineTooLongError // the first ones, at most maxSkipped
	Count int                 // how many were skipped
}

// maxSkipped bounds how many skipped lines a SkippedLinesError keeps.
const maxSkipped = 10

func (e *SkippedLinesError) Error() string {
	if e.Count == 1 {
		return e.Lines[0].Error()
	}
	var where []string
	for i, l := range e.Lines {
		if i == 3 {
			where = append(where, "…")
			break
		}
		where = append(where, fmt.Sprintf("%d bytes at offset %d", l.Length, l.Offset))
	}
	return fmt.Sprintf("skipped %d lines longer than the %d bytes a Pipes message may have: %s",
		e.Count, e.Lines[0].Max, strings.Join(where, ", "))
}

// Tailer follows a messages file as a process appends to it. The zero value uses
// DefaultPoll and DefaultMaxLine.
type Tailer struct {
	// Poll is how long to wait before reading again when the file has not grown.
	Poll time.Duration
	// MinPoll is the wait after a read that found the file grown; it doubles up to Poll
	// while the file does not grow.
	MinPoll time.Duration
	// MaxLine is the longest line passed on; longer ones are skipped.
	MaxLine int
	// OnLongLine, when set, is called for each skipped line as Tail meets it. Without it,
	// Tail returns a *SkippedLinesError at the end.
	OnLongLine func(*LineTooLongError)
}

// TailFile follows path with a zero Tailer. See Tailer.Tail.
func TailFile(ctx context.Context, path string, stop <-chan struct{}, fn func(line []byte)) error {
	return Tailer{}.Tail(ctx, path, stop, fn)
}

// Tail follows the JSON Lines file at path as it grows, calling fn with each complete line,
// without its newline, in order; fn may keep the line. It never loses or repeats a line. A
// line longer than MaxLine is skipped, not read into memory, and reported to OnLongLine,
// or else by the error Tail returns: a *SkippedLinesError, after everything else was read.
//
// Close stop when the process has exited. Tail then keeps reading until a read one Poll
// after the last finds the file no longer growing (a child of the process may still be
// writing), passes on a last line that has no newline, and returns. It returns ctx.Err() if
// ctx ends first, and an error if the file cannot be opened or read; a file that does not
// exist yet is waited for until stop is closed.
func (t Tailer) Tail(ctx context.Context, path string, stop <-chan struct{}, fn func(line []byte)) error {
	poll, minPoll, maxLine := t.Poll, t.MinPoll, t.MaxLine
	if poll <= 0 {
		poll = DefaultPoll
	}
	if minPoll <= 0 {
		minPoll = DefaultMinPoll
	}
	minPoll = min(minPoll, poll)
	next := minPoll // the coming wait, until stop: after that, always poll
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	timer := time.NewTimer(poll)
	defer timer.Stop()
	stopped := false
	// wait sleeps one poll interval, noting when stop is closed. It returns false when ctx ends.
	wait := func() bool {
		d := poll
		if !stopped {
			d, next = next, min(2*next, poll)
		}
		timer.Reset(d)
		if stopped {
			select {
			case <-ctx.Done():
				return false
			case <-timer.C:
			}
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-stop:
			stopped = true
		case <-timer.C:
		}
		return true
	}

	var f *os.File
	for {
		var err error
		if f, err = os.Open(path); err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || stopped {
			return fmt.Errorf("open messages file: %w", err)
		}
		if !wait() {
			return ctx.Err()
		}
	}
	defer f.Close()

	var skipped *SkippedLinesError
	onLong := t.OnLongLine
	if onLong == nil {
		skipped = &SkippedLinesError{}
		onLong = func(e *LineTooLongError) {
			if skipped.Count++; len(skipped.Lines) < maxSkipped {
				skipped.Lines = append(skipped.Lines, e)
			}
		}
	}
	lr := lineReader{max: maxLine, fn: fn, onLong: onLong}
	buf := make([]byte, readSize)
	// drain reads until the end of the file, reporting whether it read anything.
	drain := func() (bool, error) {
		grew := false
		for {
			if ctx.Err() != nil {
				return grew, ctx.Err()
			}
			n, err := f.Read(buf)
			if n > 0 {
				grew = true
				lr.write(buf[:n])
			}
			if err == io.EOF || n == 0 && err == nil {
				return grew, nil
			}
			if err != nil {
				return grew, fmt.Errorf("read messages file: %w", err)
			}
		}
	}
	quiet := false // the last read after stop found nothing
	for {
		grew, err := drain()
		if err != nil {
			return err
		}
		if grew {
			next = minPoll
		}
		if stopped && !grew {
			if quiet {
				lr.end()
				if skipped != nil && skipped.Count > 0 {
					return skipped
				}
				return nil
			}
			quiet = true
		} else {
			quiet = false
		}
		if !wait() {
			return ctx.Err()
		}
	}
}

// lineReader splits what it is given into lines for Tail.
type lineReader struct {
	max      int
	fn       func(line []byte)
	onLong   func(*LineTooLongError)
	pending  []byte // the start of the current line
	start    int64  // offset of the current line
	skipping bool   // the current line is too long: discard it up to its newline
	skipped  int64  // bytes of it discarded so far
	head     []byte
}

func (r *lineReader) write(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		seg := p
		if i >= 0 {
			seg = p[:i]
		}
		switch {
		case r.skipping:
			r.skipped += int64(len(seg))
		case len(r.pending)+len(seg) > r.max:
			r.skipping = true
			r.skipped = int64(len(r.pending) + len(seg))
			r.head = headOf(r.pending, seg)
			r.pending = nil
		default:
			r.pending = append(r.pending, seg...)
		}
		if i < 0 {
			return
		}
		r.endLine()
		r.start++ // the newline
		p = p[i+1:]
	}
}

// end passes on a last line that has no newline.
func (r *lineReader) end() {
	if r.skipping || len(r.pending) > 0 {
		r.endLine()
	}
}

func (r *lineReader) endLine() {
	if r.skipping {
		r.onLong(&LineTooLongError{Offset: r.start, Length: r.skipped, Max: r.max, Head: r.head})
		r.start += r.skipped
		r.skipping, r.skipped, r.head = false, 0, nil
		return
	}
	line := r.pending
	r.pending = nil // fn keeps line
	r.start += int64(len(line))
	r.fn(line)
}

// headLen is how much of a skipped line LineTooLongError keeps.
const headLen = 256

func headOf(a, b []byte) []byte {
	h := make([]byte, 0, headLen)
	h = append(h, a[:min(len(a), headLen)]...)
	return append(h, b[:min(len(b), headLen-len(h))]...)
}

// StreamSplitter separates Pipes messages from a process's ordinary output. The zero value
// uses DefaultMaxLine.
type StreamSplitter struct {
	// MaxLine is the longest message line; a longer line that looks like a message is skipped
	// and reported, a longer line that does not is output.
	MaxLine int
}

// SplitStream splits r with a zero StreamSplitter. See StreamSplitter.Split.
func SplitStream(r io.Reader, onMessage func(Message), onBadMessage func(line []byte, err error), onOutput func(p []byte)) error {
	return StreamSplitter{}.Split(r, onMessage, onBadMessage, onOutput)
}

// Split reads a process's stdout or stderr until EOF. Lines that are Pipes messages go to
// onMessage; lines that claim to be messages but are not valid, or are too long, go to
// onBadMessage (without their newline) with the reason; everything else goes to onOutput,
// byte for byte, newlines and a last line without one included, in order. Output that cannot
// be a message (a line not starting with "{") is passed on as soon as it is read, without
// waiting for its newline, so progress bars show as they are drawn. Callbacks may keep what
// they are given; a nil callback drops what it would get.
//
// It returns nil at EOF and the read error otherwise, after passing on what it had read.
// With os/exec, call cmd.Wait only after Split returns: Wait closes the pipe.
func (sp StreamSplitter) Split(r io.Reader, onMessage func(Message), onBadMessage func(line []byte, err error), onOutput func(p []byte)) error {
	maxLine := sp.MaxLine
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	if onMessage == nil {
		onMessage = func(Message) {}
	}
	if onBadMessage == nil {
		onBadMessage = func([]byte, error) {}
	}
	if onOutput == nil {
		onOutput = func([]byte) {}
	}
	const (
		undecided = iota // buffering a line that may be a message
		output           // the rest of the current line is output
		skipping         // the current line is a message too long to read
	)
	var (
		mode      = undecided
		pending   []byte
		pos       int64 // offset in the stream of what is being read
		lineStart int64 // offset of the current line
		skipped   int64 // length of a line being skipped, so far
		head      []byte
	)
	tooLong := func() {
		onBadMessage(head, &LineTooLongError{Offset: lineStart, Length: skipped, Max: maxLine, Head: head})
	}
	// complete classifies a whole buffered line (nl says whether it ended with a newline).
	complete := func(nl bool) {
		line := pending
		pending = nil
		body := line
		if nl {
			body = line[:len(line)-1]
		}
		m, ok, err := ParseLine(body)
		switch {
		case !ok:
			onOutput(line)
		case err != nil:
			onBadMessage(body, err)
		default:
			onMessage(m)
		}
	}
	buf := make([]byte, readSize)
	for {
		n, rerr := r.Read(buf)
		p := buf[:n]
		for len(p) > 0 {
			i := bytes.IndexByte(p, '\n')
			seg := p
			if i >= 0 {
				seg = p[:i+1]
			}
			p = p[len(seg):]
			nl := i >= 0
			switch mode {
			case output:
				onOutput(bytes.Clone(seg))
			case skipping:
				skipped += int64(len(seg))
				if nl {
					skipped-- // the newline
					tooLong()
				}
			case undecided:
				pending = append(pending, seg...)
				body := len(pending)
				if nl {
					body--
				}
				switch {
				case body > maxLine && bytes.Contains(pending, versionKey):
					head, skipped = headOf(pending, nil), int64(body)
					pending, mode = nil, skipping
					if nl {
						tooLong()
					}
				case nl:
					complete(true)
				case !mayBeMessage(pending) || body > maxLine:
					onOutput(pending)
					pending, mode = nil, output
				}
			}
			pos += int64(len(seg))
			if nl {
				mode, skipped, head, lineStart = undecided, 0, nil, pos
			}
		}
		if rerr != nil {
			switch {
			case mode == undecided && len(pending) > 0:
				complete(false)
			case mode == skipping:
				tooLong()
			}
			if rerr == io.EOF {
				return nil
			}
			return rerr
		}
	}
}

// mayBeMessage reports whether the start of a line could still be a Pipes message: it is
// blank so far, or its first other character is "{".
func mayBeMessage(p []byte) bool {
	t := bytes.TrimLeft(p, " \t\r\v\f")
	return len(t) == 0 || t[0] == '{'
}
