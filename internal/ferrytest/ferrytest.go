// Package ferrytest runs the real ferry binary in tests that need a
// process to kill: SIGKILL mid-batch is the test that matters most.
package ferrytest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var bin struct {
	once sync.Once
	path string
	err  error
}

// Binary builds cmd/ferry once per test process and returns its path.
// FERRY_TEST_BINARY names a binary to run instead, for benchmarks that
// compare two builds with one test binary.
func Binary(tb testing.TB) string {
	tb.Helper()
	bin.once.Do(func() {
		if p := os.Getenv("FERRY_TEST_BINARY"); p != "" {
			bin.path = p
			return
		}
		dir, err := os.MkdirTemp("", "ferry-bin")
		if err != nil {
			bin.err = err
			return
		}
		bin.path = filepath.Join(dir, "ferry")
		if out, err := exec.Command("go", "build", "-o", bin.path, "github.com/ferry-cdc/ferry/cmd/ferry").CombinedOutput(); err != nil {
			bin.err = fmt.Errorf("build ferry: %v: %s", err, out)
		}
	})
	if bin.err != nil {
		tb.Fatal(bin.err)
	}
	return bin.path
}

// FreeAddr returns a loopback address with a port free a moment ago, for
// --metrics-addr.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Process is a running ferry command.
type Process struct {
	Cmd *exec.Cmd
	Out *Output
}

// Start runs ferry with args until it is stopped, killed, or the test ends.
func Start(tb testing.TB, args ...string) *Process {
	tb.Helper()
	cmd := exec.Command(Binary(tb), args...)
	p := &Process{Cmd: cmd, Out: &Output{}}
	cmd.Stdout, cmd.Stderr = p.Out, p.Out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Kill)
	return p
}

// Kill sends SIGKILL, unless the process has already ended, and waits.
func (p *Process) Kill() {
	if p.Cmd.ProcessState == nil {
		p.Cmd.Process.Kill()
		p.Cmd.Wait()
	}
}

// Stop sends SIGINT and returns the exit code.
func (p *Process) Stop() int {
	p.Cmd.Process.Signal(os.Interrupt)
	err := p.Cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return 0
}

// Output collects what a process writes while the test reads it.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// Run runs ferry with args to its end and returns what it wrote and its
// exit code.
func Run(tb testing.TB, args ...string) (string, int) {
	tb.Helper()
	cmd := exec.Command(Binary(tb), args...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		tb.Fatalf("run ferry %v: %v", args, err)
	}
	return string(out), 0
}
