"""The runtime library generated projects import: settings now; providers, prompts,
retrieval, routing, agents, safety, telemetry, the pytest plugin and benchmarks as they land.

Machinery lives here rather than in generated code so that it is tested once and reaches
every project through `pip install -U copilot-scaffolder`.
"""
