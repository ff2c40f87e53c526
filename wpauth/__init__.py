"""The only code that talks to WordPress: HTTP client, credentials, users/me, the registry post type, Django auth backends."""
