"""The service database: SQLAlchemy 2 models, Alembic migrations and the stores."""
