package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestVersionFromLinkerFlags: the binary TestMain built carries the version
// and commit given to the linker, as the Makefile's are.
func TestVersionFromLinkerFlags(t *testing.T) {
	t.Parallel()
	out, _, code := ferry(t, nil, "version")
	want := "ferry " + testVersion + " (commit " + testCommit + ", " + runtime.Version() + ")\n"
	if code != 0 || out != want {
		t.Errorf("ferry version: exit %d, %q; want %q", code, out, want)
	}
}

// TestVersionFromBuildInfo builds ferry without linker flags, as `go build`
// or `go install` would, from a git repository holding this tree: the
// version and commit come from what Go records of the checkout, not "devel".
func TestVersionFromBuildInfo(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds ferry from a copy of the tree")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	run := func(dir string, env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// A repository of its own, committed: the tree as it is now (a clone
	// would build the last commit, not the code under test), and a .git
	// directory, which Go needs to record VCS information (a worktree
	// has a .git file).
	repo := t.TempDir()
	for _, f := range strings.Split(run(root, nil, "git", "ls-files", "--cached", "--others", "--exclude-standard"), "\n") {
		b, err := os.ReadFile(filepath.Join(root, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(repo, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := []string{"-c", "user.name=ferry test", "-c", "user.email=test@ferry.invalid", "-c", "commit.gpgsign=false"}
	run(repo, nil, "git", "init", "--quiet")
	run(repo, nil, "git", "add", "--all")
	run(repo, nil, "git", append(git, "commit", "--quiet", "--message", "test")...)
	head := run(repo, nil, "git", "rev-parse", "HEAD")
	bin := filepath.Join(t.TempDir(), "ferry")
	// GOFLAGS may say -buildvcs=false (this machine's does): say true.
	run(repo, []string{"GOFLAGS=-buildvcs=true"}, "go", "build", "-o", bin, "./cmd/ferry")

	out := run(repo, nil, bin, "version")
	t.Logf("%s", out)
	if !strings.Contains(out, "(commit "+head+", ") {
		t.Errorf("ferry version = %q, want the commit %s", out, head)
	}
	// The module's pseudo-version names the commit too.
	if f := strings.Fields(out); len(f) < 2 || !strings.Contains(f[1], head[:12]) || strings.Contains(out, "devel") {
		t.Errorf("ferry version = %q: the version does not name commit %s", out, head[:12])
	}
}
