"""The data contract: stored-document shapes, GraphQL types, and the reads behind them.

Imports neither `api` nor `seed`. (Not the unrelated PyPI package of the same name.)
"""
