// Command trivy-fixture-db builds a small Trivy vulnerability database from YAML fixtures, in the layout
// trivy reads from its cache directory, so the end-to-end suite scans offline with --skip-db-update.
//
// Usage: trivy-fixture-db -fixtures DIR -cache-dir DIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	fixtures "github.com/aquasecurity/bolt-fixtures"
)

// schemaVersion is the DB schema trivy v0.74 expects in metadata.json.
const schemaVersion = 2

type metadata struct {
	Version      int
	NextUpdate   time.Time
	UpdatedAt    time.Time
	DownloadedAt time.Time
}

func main() {
	fixtureDir := flag.String("fixtures", "", "directory of bolt-fixtures YAML files")
	cacheDir := flag.String("cache-dir", "", "trivy cache directory to write db/trivy.db and db/metadata.json into")
	flag.Parse()
	if err := build(*fixtureDir, *cacheDir); err != nil {
		fmt.Fprintln(os.Stderr, "trivy-fixture-db:", err)
		os.Exit(1)
	}
}

func build(fixtureDir, cacheDir string) error {
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no fixtures in %q", fixtureDir)
	}
	dbDir := filepath.Join(cacheDir, "db")
	if err := os.MkdirAll(dbDir, 0o700); err != nil {
		return err
	}
	dbPath := filepath.Join(dbDir, "trivy.db")
	if err := os.Remove(dbPath); err != nil && !os.IsNotExist(err) {
		return err
	}
	loader, err := fixtures.New(dbPath, files)
	if err != nil {
		return err
	}
	if err := loader.Load(); err != nil {
		loader.Close()
		return err
	}
	if err := loader.Close(); err != nil {
		return err
	}
	now := time.Now().UTC()
	meta, err := json.Marshal(metadata{Version: schemaVersion, NextUpdate: now.Add(24 * time.Hour), UpdatedAt: now, DownloadedAt: now})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dbDir, "metadata.json"), meta, 0o600)
}
