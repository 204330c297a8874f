// Package proctest helps tests tell whether a process is still running.
package proctest

import (
	"os"
	"strconv"
	"strings"
)

// Alive says whether process pid runs. A zombie does not: it has exited
// and waits only for a parent that may never reap it.
func Alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}
