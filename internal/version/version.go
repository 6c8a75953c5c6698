// Package version says which build of Ferry is running, for `ferry
// version`, the envelope's source.version and the ferry_build_info metric.
//
// A release build sets the version and commit with the linker, as the
// Makefile and the Dockerfile do from `git describe`:
//
//	go build -ldflags "-X github.com/ferry-cdc/ferry/internal/version.version=v1.2.0 \
//	    -X github.com/ferry-cdc/ferry/internal/version.commit=$(git rev-parse HEAD)" ./cmd/ferry
//
// Without them it falls back to what the Go toolchain recorded in the
// binary: the main module's version (a tag, or a pseudo-version naming the
// commit) and the vcs.revision and vcs.modified build settings. It says
// "devel" only when neither source knows anything.
package version

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Set by the linker; empty otherwise.
var (
	version string
	commit  string
)

// Info identifies one build.
type Info struct {
	// Version is the release ("v1.2.0", "v1.2.0-3-g1a2b3c4-dirty") or the
	// module's pseudo-version; "devel" when the build recorded neither.
	Version string
	// Commit is the full VCS revision, with "-dirty" when the tree had
	// uncommitted changes; empty when unknown.
	Commit string
	// GoVersion is the toolchain the binary was built with.
	GoVersion string
}

// Get returns this binary's build.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(version, commit, bi)
}

// resolve prefers the linker's values and fills what they leave empty from
// the build info.
func resolve(ldVersion, ldCommit string, bi *debug.BuildInfo) Info {
	info := Info{Version: strings.TrimSpace(ldVersion), Commit: strings.TrimSpace(ldCommit), GoVersion: runtime.Version()}
	if bi == nil {
		if info.Version == "" {
			info.Version = "devel"
		}
		return info
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	var revision string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if info.Commit == "" && revision != "" {
		info.Commit = revision
		if modified {
			info.Commit += "-dirty"
		}
	}
	if info.Version == "" {
		switch v := bi.Main.Version; {
		case v != "" && v != "(devel)":
			info.Version = v
		case revision != "":
			// Built from a checkout without a module version (go run, or a
			// toolchain that stamps no pseudo-version): the commit is the version.
			info.Version = short(info.Commit)
		default:
			info.Version = "devel"
		}
	}
	return info
}

// short is a commit as git abbreviates it, keeping a -dirty suffix.
func short(commit string) string {
	rev, dirty := strings.CutSuffix(commit, "-dirty")
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

// String is how `ferry version` prints the build:
// "v1.2.0 (commit 1a2b3c4d…, go1.26.8)".
func (i Info) String() string {
	var b strings.Builder
	b.WriteString(i.Version)
	b.WriteString(" (")
	if i.Commit != "" {
		b.WriteString("commit ")
		b.WriteString(i.Commit)
		b.WriteString(", ")
	}
	b.WriteString(i.GoVersion)
	b.WriteString(")")
	return b.String()
}
