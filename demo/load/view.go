package main

import (
	"fmt"
	"os"
	"strings"
)

// view prints the live block: redrawn in place on a terminal, one block per
// second otherwise (a log, a CI job).
type view struct {
	tty   bool
	drawn int
}

func newView() *view {
	fi, err := os.Stdout.Stat()
	return &view{tty: err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"}
}

func (v *view) show(lines []string) {
	if !v.tty {
		fmt.Println(strings.Join(lines, "\n"))
		return
	}
	var b strings.Builder
	if v.drawn > 0 {
		fmt.Fprintf(&b, "\033[%dA", v.drawn)
	}
	for _, l := range lines {
		b.WriteString("\r\033[K")
		b.WriteString(l)
		b.WriteByte('\n')
	}
	v.drawn = len(lines)
	os.Stdout.WriteString(b.String())
}

// end leaves the last block on the screen.
func (v *view) end() { v.drawn = 0 }
