package main

import (
	"fmt"
	"strings"

	"github.com/postflight/postflight/harness/plan"
)

// kindsHelp lists the check kinds a plan may name, from the registered
// ones, for the help of the commands that read plans.
func kindsHelp() string {
	kinds := plan.Kinds()
	width := 0
	for _, k := range kinds {
		width = max(width, len(k.Name))
	}
	var b strings.Builder
	b.WriteString("Check kinds a plan may name:\n")
	for _, k := range kinds {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, k.Name, k.Help)
	}
	for _, k := range kinds {
		if k.Doc != "" {
			fmt.Fprintf(&b, "\nkind: %s\n%s\n", k.Name, k.Doc)
		}
	}
	return b.String()
}
