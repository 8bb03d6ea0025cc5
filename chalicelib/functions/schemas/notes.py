"""Where each booking's notes go: a Notion database or a Google Drive folder."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chalicelib.functions.schemas.base import Strict

NotesProvider = Literal["notion", "google"]
PlaceId = Annotated[str, Field(min_length=10, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                               description="a Notion data source id (with or without its "
                               "dashes) or a Google Drive folder id")]


class NotesPlaceOut(Strict):
    provider: NotesProvider
    database_id: str = Field(description="the Notion database, or the Drive folder")
    data_source_id: str = Field(description="what PUT /me/notes names: the database's data "
                                "source in Notion, the folder in Google Drive")
    title: str = Field(description="its name, as the host knows it")


class NotesOut(Strict):
    destination: NotesPlaceOut | None = Field(
        description="where each booking's notes go; null: nowhere")
    databases: list[NotesPlaceOut] = Field(
        description="the places notes could go: Notion databases shared with Penny, the "
                    "Google Drive folder Penny made")
    unreachable: str | None = Field(description="what stops notes just now: a provider that "
                                    "could not be asked, or a destination gone from it")


class NotesIn(Strict):
    provider: NotesProvider | None = Field(
        default=None, description="where the place is; required with data_source_id")
    data_source_id: PlaceId | None = Field(
        description="one of the listed places' data_source_id; null: stop writing notes")
