"""Configuration helpers that read the environment and fail loudly."""
