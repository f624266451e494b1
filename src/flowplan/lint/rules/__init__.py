"""One module per rule; each exposes ``RULE`` (see :mod:`flowplan.lint.registry`)."""
