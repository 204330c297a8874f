package harness

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/postflight/postflight/harness/report"
)

// Two runs that share a report directory (two CI jobs, one workspace) each
// write their files. Whichever writes last, they must all be one run's:
// a postflight.json of one run beside a junit.xml of the other says two
// things at once.
func TestConcurrentRunsLeaveOneRunsReports(t *testing.T) {
	dir := t.TempDir()
	const runs = 16
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		for i := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rep := &report.Report{RunID: fmt.Sprintf("run-%d-%d", round, i), Name: "shared", Outcome: report.Passed}
				if i%2 == 1 {
					rep.Outcome, rep.ExitCode = report.Failed, 1
				}
				if err := writeFiles(dir, rep); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		var fromJSON report.Report
		b, err := os.ReadFile(filepath.Join(dir, "postflight.json"))
		if err != nil || json.Unmarshal(b, &fromJSON) != nil {
			t.Fatalf("postflight.json: %v\n%s", err, b)
		}
		var junit struct {
			Suites []struct {
				Props []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"properties>property"`
			} `xml:"testsuite"`
		}
		b, err = os.ReadFile(filepath.Join(dir, "junit.xml"))
		if err != nil || xml.Unmarshal(b, &junit) != nil {
			t.Fatalf("junit.xml: %v\n%s", err, b)
		}
		junitRun := ""
		for _, p := range junit.Suites[0].Props {
			if p.Name == "run_id" {
				junitRun = p.Value
			}
		}
		md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
		if err != nil {
			t.Fatal(err)
		}
		page, err := os.ReadFile(filepath.Join(dir, "report.html"))
		if err != nil {
			t.Fatal(err)
		}
		if junitRun != fromJSON.RunID || !strings.Contains(string(md), "`"+fromJSON.RunID+"`") || !strings.Contains(string(page), ">"+fromJSON.RunID+"<") {
			t.Fatalf("round %d: postflight.json of %s, junit.xml of %s, summary.md:\n%s\nreport.html:\n%s", round, fromJSON.RunID, junitRun, md, page)
		}
	}
}
