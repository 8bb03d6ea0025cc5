"""Drive v3's files as the fake answers them (sandbox/google_docs.py passes each call
through Google's gate first): files.create with one parent and appProperties, files.list
with `q`, `orderBy` and pages, files.get, and files.update (name, description, trashed,
appProperties, addParents/removeParents). Each handler returns the whole File resource;
the gate cuts it to the request's `fields`.
"""

from __future__ import annotations

from typing import Any

from sandbox.google_docs_query import BadQuery, order, parse_query
from sandbox.google_docs_store import FOLDER, DriveFile, DriveStore, Viewer
from sandbox.google_docs_wire import drive_error, not_found

MAX_PROPERTY_BYTES = 124            # an appProperty's key and value together, in UTF-8


class DriveFiles:
    def __init__(self, store: DriveStore, base_url: str) -> None:
        self.store, self.base_url = store, base_url

    def get(self, file_id: str, viewer: Viewer) -> dict[str, Any]:
        return self._resource(self._find(file_id, viewer), viewer)

    def update(self, file_id: str, viewer: Viewer, body: dict[str, Any],
               args: dict[str, str]) -> dict[str, Any]:
        found = self._find(file_id, viewer)
        self._update(found, viewer, body, args)
        return self._resource(found, viewer)

    def _find(self, file_id: str, viewer: Viewer) -> DriveFile:
        found = self.store.find(file_id, viewer)
        if found is None:
            raise not_found(file_id)
        return found

    def _resource(self, file: DriveFile, viewer: Viewer) -> dict[str, Any]:
        return self.store.resource(file, viewer.app, self.base_url)

    def list(self, viewer: Viewer, body: dict[str, Any],
             args: dict[str, str]) -> dict[str, Any]:
        listed = [self._resource(f, viewer) for f in self.store.listed(viewer)]
        try:
            tests = parse_query(args.get("q", ""), self.store.root(viewer.account_id).id)
            matched = [r for r in listed if all(test(r) for test in tests)]
        except BadQuery as bad:
            raise drive_error(400, "invalid", f"Invalid Value: {bad}", "q") from None
        try:
            matched = order(matched, args.get("orderBy"))
        except BadQuery as bad:
            raise drive_error(400, "invalid", f"Invalid Value: {bad}", "orderBy") from None
        size, start = _number(args, "pageSize", 100, 1, 1000), _number(args, "pageToken", 0)
        answer: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False,
                                  "files": matched[start:start + size]}
        if start + size < len(matched):
            answer["nextPageToken"] = str(start + size)
        return answer

    def create(self, viewer: Viewer, body: dict[str, Any],
               args: dict[str, str]) -> dict[str, Any]:
        if body.get("id"):
            raise drive_error(400, "invalid", "The provided file ID is not usable.", "file.id")
        parents = body.get("parents") or []
        if not isinstance(parents, list) or len(parents) > 1:
            raise drive_error(403, "cannotAddParent",
                              "Increasing the number of parents is not allowed.")
        parent = self._folder(str(parents[0]), viewer) if parents else None
        made = self.store.add(viewer.account_id, str(body.get("name") or "Untitled"),
                              str(body.get("mimeType") or "application/octet-stream"),
                              parent.id if parent else None, viewer.app,
                              _properties(body.get("appProperties"), {}))
        return self._resource(made, viewer)

    def _folder(self, folder_id: str, viewer: Viewer) -> DriveFile:
        found = self.store.find(folder_id, viewer)
        if found is None:
            raise not_found(folder_id)
        if found.mime_type != FOLDER:
            raise drive_error(400, "badRequest", f"The parent {folder_id} is not a folder.")
        return found

    def _update(self, file: DriveFile, viewer: Viewer, body: dict[str, Any],
                args: dict[str, str]) -> None:
        if "parents" in body:
            raise drive_error(403, "fieldNotWritable", "The resource body includes fields "
                              "which are not directly writable.")
        parents = [p for p in file.parents
                   if p not in args.get("removeParents", "").split(",")]
        for added in filter(None, args.get("addParents", "").split(",")):
            folder = self._folder(added, viewer)
            if self.store.is_below(folder, file.id):
                raise drive_error(400, "badRequest", "The parent would make a cycle.")
            parents += [] if folder.id in parents else [folder.id]
        if len(parents) > 1:
            raise drive_error(403, "cannotAddParent",
                              "Increasing the number of parents is not allowed.")
        props = _properties(body.get("appProperties"), file.app_properties.get(viewer.app, {}))
        if not file.parents:
            return  # My Drive itself: nothing of it changes
        file.parents = parents or [self.store.root(file.owner).id]
        file.app_properties[viewer.app] = props
        for key, kind in (("name", str), ("description", str)):
            if key in body:
                setattr(file, key, kind(body[key] or ""))
        if "trashed" in body:
            file.explicitly_trashed = bool(body["trashed"])
        file.touched()


def _number(args: dict[str, str], name: str, default: int, low: int = 0,
            high: int | None = None) -> int:
    raw = args.get(name)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise drive_error(400, "invalid", f"Invalid value '{raw}'.", name) from None
    if value < low or (high is not None and value > high):
        if name == "pageSize" and high is not None and value > high:
            return high  # Google coerces a larger page size to its maximum
        raise drive_error(400, "invalid", f"Invalid value '{raw}'. Values must be within "
                          f"the range: [{low}, {high}]", name)
    return value


def _properties(given: Any, kept: dict[str, str]) -> dict[str, str]:
    """appProperties after a write: given values set, null ones cleared."""
    if given is None:
        return dict(kept)
    if not isinstance(given, dict):
        raise drive_error(400, "invalid", "Invalid value for appProperties.",
                          "appProperties")
    found = dict(kept)
    for key, value in given.items():
        if value is None:
            found.pop(str(key), None)
            continue
        if len(f"{key}{value}".encode()) > MAX_PROPERTY_BYTES:
            raise drive_error(400, "invalid", f"The property {key} is too large: a key and "
                              f"its value may have {MAX_PROPERTY_BYTES} bytes together.",
                              "appProperties")
        found[str(key)] = str(value)
    return found
