"""The dashboard\x27s pages, one module each (see bot.web.app)."""
