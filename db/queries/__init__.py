"""Named queries, a module per domain, for the statements every update runs.

Each statement is built once, at import: building a statement (and its cache key) again
for every update costs more than looking its compiled form up. The rules call these
functions by name and turn the rows into their own dataclasses.
"""
