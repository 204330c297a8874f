package rollback

import "testing"

func TestSameImage(t *testing.T) {
	const d1 = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	const d2 = "sha256:1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		a, b string
		same bool
	}{
		{"app:1.0", "app:1.0", true},
		{"app:1.0", "docker.io/library/app:1.0", true},
		{"app", "app:latest", true},
		{"app:1.0", "app:1.0@" + d1, true},
		{"app:1.0@" + d1, "app:1.1@" + d1, true},
		{"app:1.0@" + d1, "app:1.0@" + d2, false},
		{"app:1.0", "app:1.1", false},
		{"app:1.0", "other:1.0", false},
		{"app@" + d1, "app:1.0", false},
		{"registry:5000/app:1.0", "app:1.0", false},
	}
	for _, tt := range tests {
		if got := sameImage(tt.a, tt.b); got != tt.same {
			t.Errorf("sameImage(%q, %q) = %v", tt.a, tt.b, got)
		}
		if got := sameImage(tt.b, tt.a); got != tt.same {
			t.Errorf("sameImage(%q, %q) = %v", tt.b, tt.a, got)
		}
	}
}

func TestSummarizeReadsAfterTheDriverName(t *testing.T) {
	steps := []Step{
		{Object: "shop_web", Action: ActionPreviousSpec, From: "app:2", To: "app:1"},
		{Object: "shop_api", Action: ActionPreviousSpec, From: "app:2", To: "app:1"},
		{Object: "shop_db", Action: ActionNone, From: "db:1", To: "db:1"},
	}
	if got, want := summarize(steps), "shop_web, shop_api back to app:1 (previous spec); shop_db already on db:1"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
