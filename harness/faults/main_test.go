package faults_test

import (
	"testing"

	"github.com/postflight/postflight/internal/statetest"
)

func TestMain(m *testing.M) { statetest.Main(m) }
