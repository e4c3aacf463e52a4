"""Calendars: iMIP building and parsing (pure) and the calendar adapters."""
