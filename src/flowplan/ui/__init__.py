"""``flow ui``: a read-only web dashboard over the store (the optional ``ui`` extra)."""
