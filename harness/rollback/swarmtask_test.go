package rollback

import (
	"testing"
)

func TestATaskPinnedToAnImageIsHeldToTheOldImagesIDAndDigests(t *testing.T) {
	const (
		id    = "sha256:c9ec0711e5ad0ee8e1da747b7c2d6299a4632fb18ccb6dd30f515f1e59a34957"
		other = "sha256:ad5170f6f8304e633e21979ce8e3909325892a5a113c9af040038bc6db0e0937"
	)
	old := oldImage{ref: "registry.example:5000/shop/api:1.0", id: id,
		digests: []string{"registry.example:5000/shop/api@" + other}}
	tests := []struct {
		task string
		ok   bool // the reference pins a digest
		held bool
	}{
		{"registry.example:5000/shop/api:1.0", false, false},
		{id, true, true},
		{other, true, false}, // an image ID, not the old one
		{"registry.example:5000/shop/api:1.0@" + other, true, true},
		{"registry.example:5000/shop/api@" + other, true, true},
		{"registry.example:5000/shop/api:1.0@" + id, true, false}, // a registry digest the old image is not known by
		{"registry.example:5000/shop/web:1.0@" + other, true, false},
		{"shop/api:1.0@" + other, true, false}, // the same digest in another registry's repository
	}
	for _, tt := range tests {
		repo, d, ok := pinned(tt.task)
		if ok != tt.ok {
			t.Errorf("pinned(%q) ok = %v, want %v", tt.task, ok, tt.ok)
			continue
		}
		if ok && old.holdsPinned(repo, d) != tt.held {
			t.Errorf("a task running %s held to %+v: %v, want %v", tt.task, old, !tt.held, tt.held)
		}
	}
	if (oldImage{}).holdsPinned("", id) {
		t.Error("an image ID held to an old image whose ID is not known")
	}
}
