package dbtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// PrivateServer is a PostgreSQL server of one test's own, for tests that stop or restart
// the database and must not disturb others.
type PrivateServer struct {
	URL  string
	dir  string
	bin  string
	port int
}

// PrivatePostgres initializes and starts a PostgreSQL server in a temporary directory,
// on a free port with trust authentication, stopped and removed when the test ends.
// Without PostgreSQL's server programs the test is skipped, or fails under CI=true.
func PrivatePostgres(t testing.TB) *PrivateServer {
	t.Helper()
	bin := serverBin()
	if bin == "" {
		unavailable(t, "PostgreSQL's initdb and pg_ctl are not installed")
	}
	dir, err := os.MkdirTemp("", "plumbline-pg-")
	if err != nil {
		t.Fatal(err)
	}
	p := &PrivateServer{dir: dir, bin: bin, port: freePort(t)}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root: the directory and the server belong to postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			unavailable(t, "running as root and there is no postgres user to run a server as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = p.pgctl("stop", "-m", "immediate").Run()
		os.RemoveAll(dir)
	})
	data := filepath.Join(dir, "data")
	if out, err := p.command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.start(t)
	p.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
	return p
}

// Restart stops the server (closing every connection) and starts it again.
func (p *PrivateServer) Restart(t testing.TB) {
	t.Helper()
	if out, err := p.pgctl("stop", "-m", "fast").CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
	p.start(t)
}

func (p *PrivateServer) start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off", p.port, p.dir)
	if out, err := p.pgctl("start", "-w", "-l", filepath.Join(p.dir, "log"), "-o", opts).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

func (p *PrivateServer) pgctl(args ...string) *exec.Cmd {
	return p.command(filepath.Join(p.bin, "pg_ctl"), append([]string{"-D", filepath.Join(p.dir, "data")}, args...)...)
}

func (p *PrivateServer) command(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

// serverBin finds the directory of PostgreSQL's server programs.
func serverBin() string {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "initdb")); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

func version(dir string) int {
	n, _ := strconv.Atoi(strings.Split(filepath.Base(filepath.Dir(dir)), ".")[0])
	return n
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
