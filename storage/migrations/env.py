from __future__ import annotations

from alembic import context

from storage.models import Base

# Tables other software owns in the same database: APScheduler keeps its job store here.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


config = context.config
engine = config.attributes.get("engine")
if engine is None:  # the alembic command line: the URL comes from the environment
    from storage.config import StorageConfig
    from storage.db import make_engine

    engine = make_engine(StorageConfig.from_env().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
