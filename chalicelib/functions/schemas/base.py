"""The two bases every model derives from: a JSON body is read strictly, a query string
(text only) with its numbers converted. Neither builds its validator until first used.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    # Bodies are parsed as JSON in strict mode: 0 is not false and "5" is not 5.
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class Query(BaseModel):
    # Query strings carry only text, so numbers are converted; an unknown key is an
    # error (a misspelt timeZone would otherwise silently give UTC slots).
    model_config = ConfigDict(extra="forbid", defer_build=True)
