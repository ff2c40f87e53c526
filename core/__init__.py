"""The lowest layer: domain errors, shared schema field types, the request deadline."""
