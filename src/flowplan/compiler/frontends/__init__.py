"""The compiler's two front ends, both building a ``Plan``: tracing (``trace``, library path)
and static (``static``, lint path, from source without importing it)."""
