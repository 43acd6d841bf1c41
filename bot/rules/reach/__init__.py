"""Reach: who may receive a push, who is due for a reminder now, broadcasts."""
