"""The bundled corpus: source texts with their SOURCES file and manifest."""
