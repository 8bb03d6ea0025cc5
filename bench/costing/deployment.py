"""What the deployment configures, read where it is set: memory and architecture per
function (.chalice/config.json, overridden by the merge template), log levels and log
retention (infra/), and the template whose resources the idle check reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "build/package/sam.json"
MERGE_TEMPLATE = ROOT / "infra/resources.json"

# Chalice's function names in app.py and the logical ids `chalice package` gives them.
LOGICAL_IDS = {"api_handler": "APIHandler", "ws_connect": "WebsocketConnect",
               "ws_message": "WebsocketMessage", "ws_disconnect": "WebsocketDisconnect"}


def logical_id(function: str) -> str:
    return LOGICAL_IDS.get(function) or "".join(p.title() for p in function.split("_"))


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


def _properties(template: dict[str, Any], function: str) -> dict[str, Any]:
    resource = template.get("Resources", {}).get(logical_id(function), {})
    return resource.get("Properties", {})  # type: ignore[no-any-return]


def load(stage: str = "prod", functions: tuple[str, ...] = ()) -> Deployment:
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
    for function in functions:
        per_function = staged.get("lambda_functions", {}).get(function, {})
        size = _properties(template, function).get(
            "MemorySize", per_function.get("lambda_memory_size", default))
        if isinstance(size, int):
            memory[function] = size
    architectures = _properties(template, "api_handler").get("Architectures") or [arch]
    arch = str(architectures[0])
    logging = _properties(template, "api_handler").get("LoggingConfig", {})
    retention = [r["Properties"].get("RetentionInDays", 0)
                 for r in template.get("Resources", {}).values()
                 if r.get("Type") == "AWS::Logs::LogGroup"]
    return Deployment(path, template, memory, default, arch,
                      str(logging.get("ApplicationLogLevel", "INFO")),
                      str(logging.get("SystemLogLevel", "INFO")),
                      int(max(retention)) if retention and all(retention) else 0)
