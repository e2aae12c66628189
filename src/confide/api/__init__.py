"""The JSON API under /api/v1. Thin: it parses, calls services and answers in RFC 9457 problem details."""
