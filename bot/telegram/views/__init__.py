"""Texts and keyboards, a module per domain: what each screen says and which buttons it has."""
