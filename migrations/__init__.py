"""The database's schema migrations (alembic).

``HEAD`` is the revision this version of the bot needs: start-up checks the database against it
without loading alembic (tests/test_migrations.py fails if it is not alembic's head).
"""

HEAD = "0015"
