package hygiene

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Process is a host process that listens on a port.
type Process struct {
	PID  int    `json:"pid"`
	Name string `json:"name"`
}

// procRoot is where the process table is read from.
const procRoot = "/proc"

// listener finds the process listening on TCP port (IPv4 or IPv6, any
// address) in this network namespace: the socket's inode from
// /proc/net/tcp{,6}, then the process holding that inode among /proc/*/fd.
// ok is false when no listening socket is found, or its process is not
// visible (another user's, without privileges).
func listener(port int) (Process, bool, error) {
	inodes := map[string]bool{}
	for _, table := range []string{"net/tcp", "net/tcp6"} {
		found, err := listeningInodes(filepath.Join(procRoot, table), port)
		if err != nil {
			return Process{}, false, err
		}
		for _, i := range found {
			inodes[i] = true
		}
	}
	if len(inodes) == 0 {
		return Process{}, false, nil
	}
	pids, err := os.ReadDir(procRoot)
	if err != nil {
		return Process{}, false, fmt.Errorf("list processes: %w", err)
	}
	for _, p := range pids {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fdDir := filepath.Join(procRoot, p.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue // gone, or not ours to see
		}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
			if err != nil {
				continue
			}
			inode, ok := strings.CutPrefix(target, "socket:[")
			if ok && inodes[strings.TrimSuffix(inode, "]")] {
				comm, _ := os.ReadFile(filepath.Join(procRoot, p.Name(), "comm"))
				return Process{PID: pid, Name: strings.TrimSpace(string(comm))}, true, nil
			}
		}
	}
	return Process{}, false, nil
}

// tcpListen is the state of a listening socket in /proc/net/tcp.
const tcpListen = "0A"

// listeningInodes reads a /proc/net/tcp table for listening sockets on port.
func listeningInodes(path string, port int) ([]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil // no IPv6, say
	}
	if err != nil {
		return nil, fmt.Errorf("read sockets: %w", err)
	}
	defer f.Close()
	want := fmt.Sprintf(":%04X", port)
	var out []string
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != tcpListen || !strings.HasSuffix(fields[1], want) {
			continue
		}
		out = append(out, fields[9])
	}
	return out, sc.Err()
}
