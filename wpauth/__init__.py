"""WordPress authentication: the one place where the service talks to WordPress."""
