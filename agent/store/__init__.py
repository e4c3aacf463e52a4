"""The store: tables, migrations and the small repositories the runner uses."""
