"""The curated knowledge base: articles with sources, and retrieval for FAQ answers."""
