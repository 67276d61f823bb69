"""Models -> RDF: mapping, store, exports, networkx views. Knows no spaCy."""
