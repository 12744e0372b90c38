"""The officials' dashboard in a browser (Starlette, Jinja2): see :mod:`bot.web.app`."""
