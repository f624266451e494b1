"""Static analysis of step source with libcst (imported lazily: see ``analyze``)."""
