"""Alembic environment: migrations run on the connection ``agent.store.db.migrate`` hands over."""

from alembic import context

from agent.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch mode to alter tables
)
with context.begin_transaction():
    context.run_migrations()
