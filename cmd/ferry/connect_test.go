package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
)

// silentServer listens on a local port, accepts connections and never
// writes: a database host that accepts TCP and never answers. Each
// accepted connection is sent on the returned channel.
func silentServer(t *testing.T) (addr string, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 16)
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), ch
}

func silentConfig(t *testing.T, mssql, oracle string) string {
	return writeFile(t, "ferry.yaml", `sources:
  - name: hq
    dialect: sqlserver
    dsn: sqlserver://ferry:secret@`+mssql+`?database=hq
    tables: [{name: dbo.emp}]
targets:
  - name: branch
    dialect: oracle
    dsn: oracle://ferry:secret@`+oracle+`/FREEPDB1
kafka:
  brokers: [`+kafkatest.Brokers(t)+`]
  topic_prefix: `+kafkatest.Prefix(t)+`
routes:
  - from: hq.dbo.emp
    to: branch.FERRY.EMP
`)
}

// silent is a ferry command against a SQL Server and an Oracle host that
// accept TCP and never answer (silentServer), not yet started.
type silent struct {
	ctx           context.Context
	cmd           *exec.Cmd
	out           *bytes.Buffer // the command's stdout and stderr
	mssql, oracle string
	accepted      <-chan struct{} // the SQL Server host took a connection
}

// silentCommand prepares ferry args -c <config of the silent hosts>, bound
// to timeout.
func silentCommand(t *testing.T, timeout time.Duration, args ...string) silent {
	t.Helper()
	s := silent{out: &bytes.Buffer{}}
	s.mssql, s.accepted = silentServer(t)
	s.oracle, _ = silentServer(t)
	path := silentConfig(t, s.mssql, s.oracle)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	s.ctx = ctx
	s.cmd = exec.CommandContext(ctx, ferryBin, append(args, "-c", path)...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	return s
}

// TestCheckGivesUpOnSilentDatabases: a SQL Server and an Oracle host that
// accept TCP and never answer make check say, for each, that it did not
// answer in time, and exit 1 rather than hang or say ok.
func TestCheckGivesUpOnSilentDatabases(t *testing.T) {
	t.Parallel()
	s := silentCommand(t, 40*time.Second, "check")
	ctx, cmd, out, mssql, oracle := s.ctx, s.cmd, s.out, s.mssql, s.oracle
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("ferry check still ran after 40s:\n%s", out.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("ferry check: %v, want exit 1", err)
	}
	for _, want := range []string{
		"source hq: not reachable, catalog not checked: connect to sqlserver://ferry:xxxxx@" + mssql,
		"target branch: not reachable, catalog not checked: connect to oracle://ferry:xxxxx@" + oracle,
		"2 not reachable, not checked: source hq, target branch",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ferry check does not say %q:\n%s", want, out.String())
		}
	}
	if n := strings.Count(out.String(), "no answer within 10s"); n != 2 {
		t.Errorf("ferry check says %d times that a database did not answer in time, want 2:\n%s", n, out.String())
	}
	if strings.Contains(out.String(), "secret") || strings.Contains(out.String(), ": ok") {
		t.Errorf("ferry check shows the password or says ok:\n%s", out.String())
	}
}

// TestInterruptDuringSilentConnect: SIGINT while a command waits for a
// database that never answers ends the command, well before the connect
// bound (10s): the context is cancelled and the wait returns.
func TestInterruptDuringSilentConnect(t *testing.T) {
	t.Parallel()
	s := silentCommand(t, 30*time.Second, "migrate", "status")
	ctx, cmd, out, accepted := s.ctx, s.cmd, s.out, s.accepted
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-accepted:
	case <-ctx.Done():
		t.Fatalf("ferry migrate status never connected:\n%s", out.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// One signal only: a second exits at once whatever is in flight.
	wait := make(chan error, 1)
	go func() { wait <- cmd.Wait() }()
	select {
	case err := <-wait:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Errorf("ferry migrate status after SIGINT: %v, want a failure:\n%s", err, out.String())
		}
		if strings.Contains(out.String(), "no answer within") {
			t.Errorf("ferry migrate status waited for the connect bound, not for the signal:\n%s", out.String())
		}
	case <-time.After(8 * time.Second):
		cmd.Process.Signal(syscall.SIGKILL)
		<-wait
		t.Fatalf("ferry migrate status did not end within 8s of SIGINT:\n%s", out.String())
	}
}

// TestCheckReportsUnparsableDSN: a DSN that cannot be parsed is a config
// problem (exit 2) naming the file, the line and the source or target,
// never the DSN's text, with --offline too.
func TestCheckReportsUnparsableDSN(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "ferry.yaml", `sources:
  - name: hq
    dialect: oracle
    dsn: oracle://ferry:s3cret@127.0.0.1:1/FREEPDB1?TIMEOUT=soon
    tables: [{name: FERRY.EMP}]
targets:
  - name: branch
    dialect: sqlserver
    dsn: server=127.0.0.1;user id=ferry;password=s3cret;connection timeout=soon
kafka:
  brokers: [127.0.0.1:1]
routes:
  - from: hq.FERRY.EMP
    to: branch.dbo.emp
`)
	for _, args := range [][]string{{"check"}, {"check", "--offline"}} {
		out, errOut, code := ferry(t, nil, append(args, "-c", path)...)
		all := out + errOut
		if code != 2 || strings.Contains(all, "s3cret") || strings.Contains(all, "soon") || strings.Contains(all, ": ok") {
			t.Errorf("ferry %s: exit %d, want 2 and no DSN text:\n%s", strings.Join(args, " "), code, all)
		}
		for _, want := range []string{path + ":2: source hq: parse oracle dsn:", path + ":7: target branch: parse sqlserver dsn:", "2 problems"} {
			if !strings.Contains(all, want) {
				t.Errorf("ferry %s does not say %q:\n%s", strings.Join(args, " "), want, all)
			}
		}
	}
}
