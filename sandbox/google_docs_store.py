"""The fake Google Drive's files: each account's My Drive, its folders and Google Docs (a
doc's body is a google_docs_body.Body), and who may see what.

What a token sees. `drive.file` opens only the files its app (the OAuth client) created,
for any grant of that app by the same person, so a reconnect still finds them; the
person's own folders and docs stay hidden from it (404). The broad scopes (`drive`, the
read-only ones, and for the Docs API `documents`) see all of the person's files.
appProperties are private to the app that set them.

Trash: a file is `trashed` when it or any folder above it was put in the trash
(`explicitlyTrashed` only for the first). A file deleted for good takes everything below
it along; one may stay in files.list's answers a while (`lagging`: Drive's search index
lags a deletion) while every other call answers 404. Callers hold `lock` around a lookup
and what they do with it.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.google_docs_body import Body, Paragraph

FOLDER = "application/vnd.google-apps.folder"
DOCUMENT = "application/vnd.google-apps.document"
_AUTH = "https://www.googleapis.com/auth/"
# Scopes that see every file of the person, beside drive.file's own.
ALL_FILES = frozenset(f"{_AUTH}{s}" for s in (
    "drive", "drive.readonly", "drive.metadata", "drive.metadata.readonly"))
ALL_DOCUMENTS = frozenset({f"{_AUTH}documents", f"{_AUTH}documents.readonly"})


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Viewer:
    """Who asks: the person (account), through which app (client id), with which scopes."""

    account_id: str
    app: str
    scopes: frozenset[str]


@dataclass
class DriveFile:
    id: str
    owner: str                          # the account whose My Drive holds it
    name: str
    mime_type: str
    parents: list[str]
    app: str | None                     # the client that created it; None: the person
    created: datetime
    order: int                          # creation order (ties of `created`)
    modified: datetime
    app_properties: dict[str, dict[str, str]] = field(default_factory=dict)  # by client
    explicitly_trashed: bool = False
    description: str = ""
    body: Body | None = None            # a Google Doc's content
    revisions: list[str] = field(default_factory=lambda: [new_revision()])
    typed_during_writes: int = 0        # batchUpdates the host types ahead of
    overtaken: set[str] = field(default_factory=set)  # revisions typed over mid-write

    @property
    def revision(self) -> str:
        return self.revisions[-1]

    def touched(self) -> None:
        self.modified = datetime.now(UTC)

    def host_types(self, text: str) -> None:
        """The host types a plain paragraph at the end of the doc: a new revision."""
        assert self.body is not None
        self.body.insert_text(self.body.end() - 1, "\n" + text)
        # A plain paragraph, whatever the one above it was (a person leaves the list).
        self.body.paragraphs[-1] = Paragraph(self.body.paragraphs[-1].text)
        self.revisions.append(new_revision())
        self.touched()


def new_revision() -> str:
    """A fresh revisionId (opaque, as Google's)."""
    return "ALBJ4L" + secrets.token_urlsafe(24)


def _file_id() -> str:
    # Drive's ids: 33 to 44 URL-safe characters, a Doc's starting with "1".
    return "1" + secrets.token_urlsafe(32)[:43]


class DriveStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.files: dict[str, DriveFile] = {}
        self.lagging: dict[str, DriveFile] = {}   # deleted for good, still searched
        self._order = itertools.count()

    def root(self, account_id: str) -> DriveFile:
        """The account's My Drive (made on first use; its id derives from the account)."""
        with self.lock:
            root_id = "0A" + hashlib.sha256(account_id.encode()).hexdigest()[:17] + "Uk9PVA"
            if root_id not in self.files:
                now = datetime.now(UTC)
                self.files[root_id] = DriveFile(root_id, account_id, "My Drive", FOLDER, [],
                                                None, now, next(self._order), now)
            return self.files[root_id]

    def add(self, owner: str, name: str, mime_type: str, parent: str | None, app: str | None,
            app_properties: dict[str, str] | None = None) -> DriveFile:
        with self.lock:
            now = datetime.now(UTC)
            made = DriveFile(_file_id(), owner, name, mime_type,
                             [parent or self.root(owner).id], app, now, next(self._order), now,
                             {app or "": dict(app_properties)} if app_properties else {},
                             body=Body() if mime_type == DOCUMENT else None)
            self.files[made.id] = made
            return made

    def trashed(self, file: DriveFile) -> bool:
        return any(f.explicitly_trashed for f in self._up(file))

    def _up(self, file: DriveFile) -> Iterator[DriveFile]:
        seen: set[str] = set()
        current: DriveFile | None = file
        while current is not None and current.id not in seen:
            seen.add(current.id)
            yield current
            current = next((self.files[p] for p in current.parents if p in self.files), None)

    def is_below(self, file: DriveFile, folder_id: str) -> bool:
        """`file` is `folder_id` or somewhere inside it."""
        return any(f.id == folder_id for f in self._up(file))

    def delete(self, file_id: str, still_listed: bool = False) -> None:
        """Delete for good, with everything below it; `still_listed`: files.list still
        finds the file a while (its resource as it was), every other call 404s."""
        with self.lock:
            doomed = [f.id for f in self.files.values() if self.is_below(f, file_id)]
            if still_listed:
                self.lagging[file_id] = self.files[file_id]
            for gone in doomed:
                del self.files[gone]

    # -- as one app of one person sees them ----------------------------------------------

    def visible(self, file: DriveFile, viewer: Viewer, docs_api: bool = False) -> bool:
        if file.owner != viewer.account_id:
            return False
        broad = ALL_FILES | ALL_DOCUMENTS if docs_api else ALL_FILES
        return (file.app == viewer.app or not file.parents
                or bool(viewer.scopes & broad))

    def find(self, file_id: str, viewer: Viewer, docs_api: bool = False) -> DriveFile | None:
        """The file as `viewer` may see it; None: absent or hidden from it alike."""
        if file_id == "root":
            return self.root(viewer.account_id)
        found = self.files.get(file_id)
        return found if found is not None and self.visible(found, viewer, docs_api) else None

    def listed(self, viewer: Viewer) -> list[DriveFile]:
        """Every file `viewer` sees but My Drive itself, oldest first, as files.list finds
        them (one deleted for good while the index still holds it included)."""
        return sorted((f for f in [*self.files.values(), *self.lagging.values()]
                       if f.parents and self.visible(f, viewer)), key=lambda f: f.order)

    def resource(self, file: DriveFile, app: str | None, base_url: str) -> dict[str, Any]:
        """The File resource with every field (a request's `fields` picks among them)."""
        answer: dict[str, Any] = {
            "kind": "drive#file", "id": file.id, "name": file.name, "mimeType": file.mime_type,
            "parents": list(file.parents), "trashed": self.trashed(file),
            "explicitlyTrashed": file.explicitly_trashed, "starred": False,
            "createdTime": rfc3339(file.created), "modifiedTime": rfc3339(file.modified),
            "webViewLink": f"{base_url}/_sandbox/docs/{file.id}", "ownedByMe": True,
            "version": str(len(file.revisions)), "description": file.description,
            "capabilities": {"canEdit": True, "canTrash": True, "canAddChildren":
                             file.mime_type == FOLDER}}
        own = file.app_properties.get(app or "", {}) if app is not None else \
            {k: v for props in file.app_properties.values() for k, v in props.items()}
        if own:
            answer["appProperties"] = dict(own)
        return answer

    def documents(self, owner: str | None, folder: str | None,
                  kinds: Collection[str] = (DOCUMENT,)) -> list[DriveFile]:
        """Files of these kinds (an account's or everyone's, right inside a folder or
        anywhere), oldest first: the control surface's view, which sees everything."""
        with self.lock:
            return sorted((f for f in self.files.values() if f.mime_type in kinds
                           and owner in (None, f.owner)
                           and (folder is None or folder in f.parents)),
                          key=lambda f: f.order)
