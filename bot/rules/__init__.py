"""The rules, by domain; plain async functions over a session and `now`, no Telegram here.

The domains import only those below them (an import-linter contract keeps the order):
admin and privacy; learning and content; review; motivation; reach; then the base
modules every domain shares (the course map, learners, the audit log, the pending-rows
collector, the clock, option shuffling) and formats.
"""
