"""What the deployment configures, read where it is set: memory and architecture per
function (.chalice/config.json, overridden by the merge template), log levels and log
retention (infra/), and the template whose resources the idle check reads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.functions import FUNCTION_ACCESS

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "build/package/sam.json"
MERGE_TEMPLATE = ROOT / "infra/resources.json"

# `chalice package` gives the API handler and the WebSocket handlers logical ids of its
# own; every other function's logical id is its app.py name in CamelCase.
CHALICE_IDS = {"APIHandler": "api_handler", "WebsocketConnect": "ws_connect",
               "WebsocketMessage": "ws_message"}


def function_name(logical_id: str) -> str:
    """The app.py name of the function `chalice package` calls `logical_id`."""
    return CHALICE_IDS.get(logical_id) or re.sub(r"(?<!^)(?=[A-Z])", "_", logical_id).lower()


# Every function the stack deploys, by its app.py name.
FUNCTIONS = {function_name(logical_id): logical_id for logical_id in FUNCTION_ACCESS}


@dataclass(frozen=True)
class Deployment:
    template_path: Path
    template: dict[str, Any]
    memory_mb: dict[str, int]       # function name -> MB (functions not listed: default)
    default_memory_mb: int
    architecture: str
    app_log_level: str
    system_log_level: str
    log_retention_days: int

    def memory(self, function: str) -> int:
        return self.memory_mb.get(function, self.default_memory_mb)

    def resource_types(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for resource in self.template.get("Resources", {}).values():
            kind = resource.get("Type", "(merged into a Chalice resource)")
            counts[kind] = counts.get(kind, 0) + 1
        return dict(sorted(counts.items()))


def _properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    resource = template.get("Resources", {}).get(logical_id, {})
    return resource.get("Properties", {})  # type: ignore[no-any-return]


def load(stage: str = "prod") -> Deployment:
    config = json.loads((ROOT / ".chalice/config.json").read_text())
    staged = config.get("stages", {}).get(stage, {})
    default = int(staged.get("lambda_memory_size", config.get("lambda_memory_size", 128)))
    arch = str(staged.get("lambda_architecture", config.get("lambda_architecture", "x86_64")))
    # The packaged template (`make package`) holds Chalice's functions too; a stale one
    # (older than the merge template) is passed over for the merge template.
    fresh = PACKAGED.exists() and PACKAGED.stat().st_mtime >= MERGE_TEMPLATE.stat().st_mtime
    path = PACKAGED if fresh else MERGE_TEMPLATE
    template = json.loads(path.read_text())
    memory: dict[str, int] = {}
    for function, logical_id in FUNCTIONS.items():
        per_function = staged.get("lambda_functions", {}).get(function, {})
        size = _properties(template, logical_id).get(
            "MemorySize", per_function.get("lambda_memory_size", default))
        if isinstance(size, int):
            memory[function] = size
    api = _properties(template, "APIHandler")
    arch = str((api.get("Architectures") or [arch])[0])
    logging = api.get("LoggingConfig", {})
    retention = [r["Properties"].get("RetentionInDays", 0)
                 for r in template.get("Resources", {}).values()
                 if r.get("Type") == "AWS::Logs::LogGroup"]
    return Deployment(path, template, memory, default, arch,
                      str(logging.get("ApplicationLogLevel", "INFO")),
                      str(logging.get("SystemLogLevel", "INFO")),
                      int(max(retention)) if retention and all(retention) else 0)
