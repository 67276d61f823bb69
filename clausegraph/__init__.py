"""clausegraph: an AI vendor's legal documents as one connected, queryable graph."""
