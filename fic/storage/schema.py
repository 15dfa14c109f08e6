"""Every table module, imported so Base.metadata knows the whole schema.

Each feature keeps its tables in a module of its own (models_<feature>.py) and its own
Alembic migration branching from the core schema; `Database.upgrade` applies all heads.
"""

from fic.storage import (  # noqa: F401
    models,
    models_course,
    models_delivery,
    models_goals,
    models_integration,
    models_ops,
    models_staff,
)
from fic.storage.models import Base

metadata = Base.metadata
