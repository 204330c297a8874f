package faults_test

import (
	"testing"

	"github.com/postflight/postflight/internal/phasetest"
)

func TestMain(m *testing.M) { phasetest.Main(m) }
