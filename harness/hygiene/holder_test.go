package hygiene

import (
	"net"
	"os"
	"testing"
)

func listen(t *testing.T) (net.Listener, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, l.Addr().(*net.TCPAddr).Port
}

func TestListenerFindsTheProcessHoldingAPort(t *testing.T) {
	_, port := listen(t)
	proc, ok, err := listener(port)
	if err != nil || !ok {
		t.Fatalf("listener(%d) = %+v, %v, %v; want this process", port, proc, ok, err)
	}
	if proc.PID != os.Getpid() || proc.Name == "" {
		t.Errorf("listener(%d) = %+v, want pid %d", port, proc, os.Getpid())
	}
}

func TestProbeTellsAHeldPortFromAFreeOne(t *testing.T) {
	l, port := listen(t)
	if held, err := probe(port); err != nil || !held {
		t.Errorf("probe of a port held on 127.0.0.1: held=%v, err=%v; want held", held, err)
	}
	l.Close()
	if held, err := probe(port); err != nil || held {
		t.Errorf("probe of a released port: held=%v, err=%v; want free", held, err)
	}
	if _, ok, err := listener(port); err != nil || ok {
		t.Errorf("listener of a released port: ok=%v, err=%v; want none", ok, err)
	}
}

func TestCarriesName(t *testing.T) {
	st := Stack{Names: []string{"shop-web", "shop_db"}}
	for name, want := range map[string]string{
		"shop-web":             "shop-web",
		"shop-web-1":           "shop-web",
		"shop-web.1.x8s7d":     "shop-web",
		"shop_db_1":            "shop_db",
		"shop-webhook":         "",
		"old-shop-web-1":       "",
		"shop-web-frontend-2x": "shop-web",
	} {
		if got := st.carriesName(name); got != want {
			t.Errorf("carriesName(%q) = %q, want %q", name, got, want)
		}
	}
}
