"""Builders and stand-ins shared by the test packages. Test modules import from here only."""
