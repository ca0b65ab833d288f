package ops

import (
	"bufio"
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stage is one FROM … of a Dockerfile: its name and its instructions, with
// continuation lines joined.
type stage struct {
	name  string
	steps []string // "RUN …", "COPY …", "ENTRYPOINT …"
}

func parseDockerfile(t *testing.T, text string) []stage {
	t.Helper()
	var stages []stage
	var line string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasSuffix(l, `\`) {
			line += strings.TrimSuffix(l, `\`) + " "
			continue
		}
		line += l
		if f := strings.Fields(line); strings.EqualFold(f[0], "FROM") {
			name := ""
			if len(f) == 4 && strings.EqualFold(f[2], "AS") {
				name = f[3]
			}
			stages = append(stages, stage{name: name})
		} else if len(stages) > 0 {
			stages[len(stages)-1].steps = append(stages[len(stages)-1].steps, line)
		}
		line = ""
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile: want a build stage and a final stage, found %d stages", len(stages))
	}
	return stages
}

// TestDockerfileBuildsStaticBinariesThatRunWithoutLibc runs the command the
// Dockerfile's build stage runs, then checks what the distroless static
// image needs: ELF binaries with no interpreter and no dynamic section
// (nothing to load libc), that run, as the image's user, in an empty root
// holding nothing but the binary.
func TestDockerfileBuildsStaticBinariesThatRunWithoutLibc(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds both binaries")
	}
	stages := parseDockerfile(t, string(readFile(t, "Dockerfile")))
	build, final := stages[0], stages[len(stages)-1]

	// The final stage copies the build stage's /out/ into /usr/local/bin
	// and runs one of its binaries: find those, and the build command.
	var copyFrom, entrypoint, buildCmd string
	for _, s := range final.steps {
		if m := regexp.MustCompile(`^COPY --from=(\S+) (\S+) /usr/local/bin/?$`).FindStringSubmatch(s); m != nil {
			if m[1] != build.name {
				t.Fatalf("final stage copies from %q, not the build stage %q", m[1], build.name)
			}
			copyFrom = m[2]
		}
		if m := regexp.MustCompile(`^ENTRYPOINT \["/usr/local/bin/([^"]+)"`).FindStringSubmatch(s); m != nil {
			entrypoint = m[1]
		}
	}
	for _, s := range build.steps {
		if strings.HasPrefix(s, "RUN ") && strings.Contains(s, strings.TrimSuffix(copyFrom, "/")) {
			buildCmd = strings.TrimPrefix(s, "RUN ")
		}
	}
	if copyFrom == "" || entrypoint == "" || buildCmd == "" {
		t.Fatalf("Dockerfile: found copy from %q, entrypoint %q, build command %q; want all three", copyFrom, entrypoint, buildCmd)
	}

	// Run the build stage's command as the image build would (WORKDIR is
	// the source tree), writing into a temp folder instead of /out. The
	// environment has CGO_ENABLED=1 on purpose: the command itself must
	// make the binaries static, as a golang image with gcc would otherwise
	// link cgo.
	out := t.TempDir()
	cmdline := strings.ReplaceAll(buildCmd, strings.TrimSuffix(copyFrom, "/"), out)
	cmd := exec.Command("sh", "-c", cmdline)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build stage %q: %v\n%s", cmdline, err, b)
	}
	t.Logf("build stage took %s", time.Since(start).Round(time.Second))

	bins, err := filepath.Glob(filepath.Join(out, "*"))
	if err != nil || len(bins) < 2 {
		t.Fatalf("build stage made %v (%v); want dynamodb-source and dynamodb-source-controller", bins, err)
	}
	if _, err := os.Stat(filepath.Join(out, entrypoint)); err != nil {
		t.Fatalf("ENTRYPOINT %s was not built: %v", entrypoint, err)
	}
	for _, bin := range bins {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			checkStatic(t, bin)
			runWithoutLibc(t, bin)
		})
	}
}

// checkStatic fails unless bin is a static executable (staticProblems).
func checkStatic(t *testing.T, bin string) {
	for _, p := range staticProblems(bin) {
		t.Error(p)
	}
}

// staticProblems says why bin is not an ELF executable that the kernel
// runs by itself: a PT_INTERP (a dynamic loader), a PT_DYNAMIC (shared
// libraries to load) or imported libraries. None: it is static.
func staticProblems(bin string) []string {
	f, err := elf.Open(bin)
	if err != nil {
		return []string{"not an ELF file: " + err.Error()}
	}
	defer f.Close()
	var problems []string
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			problems = append(problems, "has an ELF interpreter (PT_INTERP): it is dynamically linked and needs libc")
		case elf.PT_DYNAMIC:
			problems = append(problems, "has a dynamic section (PT_DYNAMIC): it loads shared libraries")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		problems = append(problems, "imports shared libraries "+strings.Join(libs, ", "))
	}
	return problems
}

// TestStaticCheckRejectsADynamicBinary: the check above can fail. The
// machine's /bin/sh is a dynamically linked C program.
func TestStaticCheckRejectsADynamicBinary(t *testing.T) {
	if len(staticProblems("/bin/sh")) == 0 {
		t.Fatal("/bin/sh passed as static; the check sees nothing")
	}
	if len(staticProblems(filepath.Join(repoRoot(t), "Dockerfile"))) == 0 {
		t.Fatal("a text file passed as a static executable")
	}
}

// runWithoutLibc runs `bin --help` with an empty environment, and, when the
// test runs as root, chrooted into a folder holding only the binary, as
// the image's user (65532): no /lib, no /etc, no loader, as in distroless
// static. --help must print the usage, whatever its exit code (the
// controller's flag package exits non-zero after printing it).
func runWithoutLibc(t *testing.T, bin string) {
	cmd := exec.Command(bin, "--help")
	cmd.Env = []string{}
	if os.Geteuid() == 0 {
		root := t.TempDir()
		if err := os.Chmod(root, 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "prog"), b, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command("/prog", "--help")
		cmd.Env = []string{}
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Chroot:     root,
			Credential: &syscall.Credential{Uid: 65532, Gid: 65532},
		}
	} else {
		t.Log("not root: running with an empty environment, without a chroot")
	}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("could not start without libc: %v", err)
	}
	if !strings.Contains(strings.ToLower(buf.String()), "usage") {
		t.Fatalf("--help printed no usage (%v):\n%s", err, buf.String())
	}
}
