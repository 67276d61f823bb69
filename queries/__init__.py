"""Named SPARQL queries and the Python that answers questions."""
