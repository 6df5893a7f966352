"""The runtime edge: settings from the environment, the database connection, the Starlette
app and the `ecei` command line. The only package that knows HTTP or environment variables.
"""
