"""Developer scripts: benchmarks."""
