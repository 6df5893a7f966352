"""Ingestion: parsers for the raw ESCA listing, CSV and JSON, the indicator catalogue,
interviews, and the loader that writes them to MongoDB. Ships its data under `seed/data/`.
"""
