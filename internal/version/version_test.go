package version

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	const rev = "0d5639ffcdd39bdef8132b0541dc1c9773fbeb33"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	for _, tc := range []struct {
		name                 string
		ldVersion, ldCommit  string
		bi                   *debug.BuildInfo
		wantVersion, wantRev string
	}{
		{"linker flags win", "v1.2.0", "abc123", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-x"}, Settings: vcs("false")}, "v1.2.0", "abc123"},
		{"linker version, commit from vcs", "v1.2.0-3-g0d5639f", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("true")}, "v1.2.0-3-g0d5639f", rev + "-dirty"},
		{"module pseudo-version", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261129155145-0d5639ffcdd3"}, Settings: vcs("false")}, "v0.0.0-20261129155145-0d5639ffcdd3", rev},
		{"tagged module", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0", ""},
		{"devel module with vcs", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("true")}, "0d5639ffcdd3-dirty", rev + "-dirty"},
		{"nothing known", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel", ""},
		{"no build info", "", "", nil, "devel", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := resolve(tc.ldVersion, tc.ldCommit, tc.bi)
			if got.Version != tc.wantVersion || got.Commit != tc.wantRev || got.GoVersion == "" {
				t.Errorf("resolve = %+v, want version %q commit %q and a Go version", got, tc.wantVersion, tc.wantRev)
			}
		})
	}
}
