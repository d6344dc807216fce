"""Who may call the API. For now a static list of keys from settings."""
