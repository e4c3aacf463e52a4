"""Administrator rules: the file format, the loader and the engine."""
