"""Cross-cutting web plumbing: security headers, system checks, problem details."""
