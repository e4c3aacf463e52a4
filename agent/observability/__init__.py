"""What operators see: structured logs, the process's health state, /healthz and /metrics."""
