"""Components, registered by name. Importing this package registers the built-in ones."""

from pipeline.site.core.components import cases as _cases  # noqa: F401
from pipeline.site.core.components import chart as _chart  # noqa: F401
from pipeline.site.core.components import claim as _claim  # noqa: F401
from pipeline.site.core.components import compare as _compare  # noqa: F401
from pipeline.site.core.components import scope as _scope  # noqa: F401
from pipeline.site.core.components import stats as _stats  # noqa: F401
from pipeline.site.core.components import table as _table  # noqa: F401
from pipeline.site.core.components.base import RenderState, components, parse_options

__all__ = ["RenderState", "components", "parse_options"]
