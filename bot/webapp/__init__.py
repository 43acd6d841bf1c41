"""The dashboard, a Telegram Mini App served by LearnBot's own aiohttp server.

- app: the routes under /app (the page, its sections as HTML, the same data as JSON),
  the initData check on every data request, and the security headers;
- sections: which rule each section reads and who may ask for it;
- render: the Jinja2 templates (escaping everything) and the translations;
- charts: the SVG charts, drawn on the server (no script draws anything).

aiogram is never imported here: the rules check initData themselves.
"""
