"""Who may do what: every access rule as pure functions over facts (rules), and the
cached facts of registries that the item routes decide from (facts)."""
