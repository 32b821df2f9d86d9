"""Benchmarks: suites, runs, graders, statistics and reports behind `copilot bench`."""
