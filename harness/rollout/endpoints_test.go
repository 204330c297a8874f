package rollout

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/postflight/postflight/internal/nettest"
)

func TestEndpointsPinOneTaskPerRun(t *testing.T) {
	tasks := map[string][]Task{
		"writer": {{ID: "a", Slot: 1, Addr: "10.0.0.1", Ports: map[int][]int{8080: {30001}}}, {ID: "b", Slot: 2, Addr: "10.0.0.2", Ports: map[int][]int{8080: {30002}}}},
		"reader": {{ID: "c", Slot: 1, Addr: "10.0.0.3", Ports: map[int][]int{8080: {30003}, 9090: {30004}}}},
	}
	all := sides(tasks, nil)
	if len(all) != 2 {
		t.Fatalf("%d runs, want one per writer task", len(all))
	}
	for i, want := range []string{"http://10.0.0.1:30001", "http://10.0.0.2:30002"} {
		for range 3 { // every call of a run reaches the same task
			if got, err := all[i].BaseURL("writer", 0); got != want || err != nil {
				t.Errorf("run %d: writer %q, %v; want %q", i, got, err, want)
			}
		}
	}
	if got, err := all[1].BaseURL("reader", 9090); got != "http://10.0.0.3:30004" || err != nil {
		t.Errorf("reader:9090 %q, %v", got, err)
	}
	if _, err := all[0].BaseURL("reader", 0); err == nil || !strings.Contains(err.Error(), "name one in the check's port") {
		t.Errorf("reader with two ports and none named: %v", err)
	}
	if _, err := all[0].BaseURL("writer", 9999); err == nil || !strings.Contains(err.Error(), "publishes no port 9999") {
		t.Errorf("writer:9999: %v", err)
	}
	if got := all[1].String(); got != "reader.1, writer.2" {
		t.Errorf("run names %q", got)
	}
	many := map[string][]Task{"w": make([]Task, 7)}
	if n := len(sides(many, nil)); n != MaxTasksChecked {
		t.Errorf("%d runs for 7 tasks, want %d", n, MaxTasksChecked)
	}
}

// A random host port can be two, one per address family: the one that
// answers on the node's address is used.
func TestTheAnsweringPortOfTwoIsUsed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	open := l.Addr().(*net.TCPAddr).Port
	closed := nettest.FreePort(t)
	if got, want := answering("127.0.0.1", []int{closed, open}), "127.0.0.1:"+strconv.Itoa(open); got != want {
		t.Errorf("answering %q, want %q", got, want)
	}
	if got := answering("127.0.0.1", []int{closed}); !strings.HasSuffix(got, strconv.Itoa(closed)) {
		t.Errorf("one port: %q", got)
	}
}

// A step's checks see the stable side beside each canary task: the stable
// task of the same index, wrapping around; a step that left a service no
// stable task has no baseline for it, which a compare check says.
func TestTheStableSideIsBesideEachCanaryTask(t *testing.T) {
	canary := map[string][]Task{"writer": {
		{ID: "c1", Slot: 1, Addr: "10.0.0.1", Ports: map[int][]int{8080: {31001}}},
		{ID: "c2", Slot: 2, Addr: "10.0.0.2", Ports: map[int][]int{8080: {31002}}},
	}}
	stable := map[string][]Task{"writer": {{ID: "s1", Slot: 1, Addr: "10.0.0.9", Ports: map[int][]int{8080: {30009}}}}}
	for i, eps := range sides(canary, nil) {
		got, err := eps.beside(stable).BaseURL("writer", 8080)
		if got != "http://10.0.0.9:30009" || err != nil {
			t.Errorf("canary task %d: baseline %q, %v; want the stable task", i, got, err)
		}
		if own, _ := eps.BaseURL("writer", 8080); own == got {
			t.Errorf("canary task %d resolves to the stable task %q", i, own)
		}
	}
	none := map[string][]Task{"writer": nil}
	if _, err := sides(canary, nil)[0].beside(none).BaseURL("writer", 8080); err == nil || !strings.Contains(err.Error(), "no running task") {
		t.Errorf("no stable task left: %v, want an error saying so", err)
	}
}
