"""What each Lambda function may do, and how it runs, where Chalice cannot say it.

Chalice gives every function a role from one policy file and sees none of PynamoDB's
calls, so each role is replaced here by a least-privilege policy naming this stack's
own table, stream, topic, queues, WebSocket API and parameters. `FUNCTION_ACCESS` is
checked against the calls each function really makes (tests/functional/test_iam.py).

Logs are the usual hidden cost: each function gets its log group with a retention, and
JSON logs with the platform's START/END/REPORT lines (system level INFO) left out.
"""

from __future__ import annotations

from typing import Any

from chalicelib.secret_parameters import PARAMETERS
from chalicelib.store.queues import QUEUES, WORKER_TIMEOUT, QueueSpec
from infra.hold_timers import (
    HOLD_TIMER_ENVIRONMENT,
    PASSED_TO_SCHEDULER,
    SCHEDULER_ROLE_ARN,
    SCHEDULES_ARN,
)
from infra.messaging import STREAM_DEAD_LETTER_QUEUE, dead_letter_queue, worker_function

LOG_RETENTION_DAYS = 14
SECRETS_PATH = "/penny/${AWS::StackName}"

# DynamoDB actions per function: TransactWriteItems is authorized per item, as the
# PutItem / UpdateItem / DeleteItem / ConditionCheckItem it contains.
_API_TABLE = ("GetItem", "Query", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem",
              "ConditionCheckItem", "BatchWriteItem")
FUNCTION_ACCESS: dict[str, dict[str, tuple[str, ...]]] = {
    # Logout closes the login's dashboard sockets and deletes their records. A paid
    # booking's hold gets a one-time schedule, run as the hold timers' role.
    # A sync too short for a Graph subscription asks the calendar worker for it on the
    # topic (services/calendar_records.py).
    # A password reset is e-mailed through SES, from the operator's sender only.
    "APIHandler": {"table": _API_TABLE, "websocket": ("ManageConnections",),
                   "topic": ("Publish",),
                   "hold_schedules": ("CreateSchedule",), "hold_role": ("PassRole",),
                   "email": ("SendEmail",)},
    # A push reads the host's sockets (Query) and deletes the gone ones' records in one
    # BatchWriteItem (store/sockets.py).
    "BookingEvents": {"table": ("Query", "BatchWriteItem"),
                      "stream": ("DescribeStream", "GetRecords", "GetShardIterator",
                                 "ListStreams"),
                      "topic": ("Publish",), "websocket": ("ManageConnections",),
                      # Lambda's stream poller notes a batch it gives up on, as this role.
                      "stream_failures": ("SendMessage",)},
    # GetItem: a ticket's login must not have ended (services/realtime.py). PutItem: the
    # socket's record, conditional on its key (the ticket's id) being new (store/sockets.py).
    # BatchWriteItem: that record taken away again when the login turns out to have ended
    # (the same delete a push or a logout makes; without it the refusal was AccessDenied,
    # a 500, with the record left behind).
    # Query and ManageConnections: past the host's bound, the host's sockets are asked
    # whether they are open (GetConnection), then the oldest live ones closed
    # (DeleteConnection), and the records of both taken away in the same BatchWriteItem;
    # a refused ticket's record is written again (PutItem) as its key only
    # (services/realtime.py). No $disconnect function: a closed socket's record waits for
    # its TTL, the next push or the bound.
    "WebsocketConnect": {"table": ("GetItem", "PutItem", "Query", "BatchWriteItem"),
                         "websocket": ("ManageConnections",)},
    # An answer (pong, error) to a socket gone meanwhile deletes nothing: no table access.
    "WebsocketMessage": {"websocket": ("ManageConnections",)},
    # A job's record: claimed with a conditional PutItem, read (GetItem) when the claim
    # fails, finished with an UpdateItem; jobs read the booking's current state (GetItem).
    **{worker_function(spec): {"table": ("GetItem", "PutItem", "UpdateItem"),
                               "dead_letter": ("SendMessage", "ReceiveMessage",
                                               "DeleteMessage", "GetQueueAttributes")}
       for spec in QUEUES},
    # The calendar job also keeps the host's busy copies (a Query for them, BatchWriteItem
    # for the days, Put/Delete for push channels) and stores refreshed provider tokens.
    # Its syncs make a push channel that is due themselves; Publish: the rare one that is
    # not given the time for it asks, as the API does (services/calendar_records.py).
    # Its resync flags a booking whose event the host deleted: a transaction that checks
    # the event's owner record (ConditionCheckItem, store/event_owners.py flag_removed).
    "CalendarWorker": {"table": ("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem",
                                 "ConditionCheckItem", "BatchWriteItem"),
                       "topic": ("Publish",),
                       "dead_letter": ("SendMessage", "ReceiveMessage", "DeleteMessage",
                                       "GetQueueAttributes")},
    # The notes and brief jobs read the host (a Query of its items), the client's earlier
    # bookings (a Query of GSI2), write the booking's notes link or brief and what they
    # made at Notion or Google (PutItem), count briefs and keep a refreshed token
    # (UpdateItem, as their job records). A first notes page is made under a creation
    # lease (a conditional PutItem), released with a DeleteItem (services/notes_pages.py);
    # the brief job makes no page (it asks the notes job for one) and deletes nothing.
    **{name: {"table": ("GetItem", "Query", "PutItem", "UpdateItem", *deletes),
              "dead_letter": ("SendMessage", "ReceiveMessage", "DeleteMessage",
                              "GetQueueAttributes")}
       for name, deletes in (("NotesWorker", ("DeleteItem",)), ("SummaryWorker", ()))},
    # The payments job settles a hold's end through the bookings' own transaction (the
    # ledger days read in one BatchGetItem; the booking and days put, the days it leaves
    # alone condition-checked), and records a refund on the booking (a conditional
    # PutItem); the host's payment connection is one GetItem; UpdateItem finishes its job
    # record, as every worker's. It asks for no Query: no connection list, no ledger range.
    "PaymentsWorker": {"table": ("GetItem", "BatchGetItem", "PutItem", "UpdateItem",
                                 "ConditionCheckItem"),
                       "dead_letter": ("SendMessage", "ReceiveMessage", "DeleteMessage",
                                       "GetQueueAttributes")},
}

WORKERS: dict[str, QueueSpec] = {worker_function(spec): spec for spec in QUEUES}

# Every function gets the same wiring; secrets are read from SSM at cold start.
ENVIRONMENT = {"PENNY_TABLE": {"Ref": "PennyTable"},
               "PENNY_EVENTS_TOPIC_ARN": {"Ref": "EventsTopic"},
               "PENNY_WEBSOCKET_API_ID": {"Ref": "WebsocketAPI"},
               "PENNY_SECRETS_PATH": {"Fn::Sub": SECRETS_PATH}}
# Where a PaymentService is built (chalicelib/bootstrap/payments.py): the hold timers' settings.
# The API function sends password reset e-mail from the stack's EmailSender ("" : none).
EXTRA_ENVIRONMENT: dict[str, dict[str, Any]] = {
    "APIHandler": {**HOLD_TIMER_ENVIRONMENT, "PENNY_EMAIL_SENDER": {"Ref": "EmailSender"}},
    "PaymentsWorker": HOLD_TIMER_ENVIRONMENT}

# SES authorizes a send against the identity it is sent under: the address itself when
# it is verified, else its domain. Either, and only with that From address.
_SES_IDENTITY = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
SENDS_EMAIL = "SendsEmail"  # the template's condition: a sender is set


def _statements(function: str) -> list[dict[str, Any]]:
    access = FUNCTION_ACCESS[function]
    resources: dict[str, Any] = {
        "table": [{"Fn::GetAtt": ["PennyTable", "Arn"]},
                  {"Fn::Sub": "${PennyTable.Arn}/index/*"}],
        "stream": [{"Fn::GetAtt": ["PennyTable", "StreamArn"]}],
        "topic": [{"Ref": "EventsTopic"}],
        "websocket": [{"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:"
                                  "${AWS::AccountId}:${WebsocketAPI}/*"}],
        "dead_letter": ([{"Fn::GetAtt": [dead_letter_queue(WORKERS[function]), "Arn"]}]
                        if function in WORKERS else []),
        "stream_failures": [{"Fn::GetAtt": [STREAM_DEAD_LETTER_QUEUE, "Arn"]}],
        "hold_schedules": [SCHEDULES_ARN],
        "hold_role": [SCHEDULER_ROLE_ARN],
        "email": [{"Fn::Sub": [_SES_IDENTITY + "${Sender}", {"Sender": {"Ref": "EmailSender"}}]},
                  {"Fn::Sub": [_SES_IDENTITY + "${Domain}", {"Domain": {"Fn::Select": [
                      1, {"Fn::Split": ["@", {"Ref": "EmailSender"}]}]}}]}],
    }
    prefixes = {"table": "dynamodb", "stream": "dynamodb", "topic": "sns",
                "websocket": "execute-api", "dead_letter": "sqs", "stream_failures": "sqs",
                "hold_schedules": "scheduler", "hold_role": "iam", "email": "ses"}
    conditions = {"hold_role": PASSED_TO_SCHEDULER,
                  "email": {"StringEquals": {"ses:FromAddress": {"Ref": "EmailSender"}}}}
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": [f"{prefixes[kind]}:{a}" for a in actions],
         "Resource": resources[kind],
         **({"Condition": conditions[kind]} if kind in conditions else {})}
        for kind, actions in access.items()]
    # No sender set: no statement at all (an identity ARN of "" would be malformed).
    statements = [{"Fn::If": [SENDS_EMAIL, s, {"Ref": "AWS::NoValue"}]}
                  if s["Action"][0].startswith("ses:") else s for s in statements]
    return [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
                                 "log-group:/aws/lambda/${AWS::StackName}-*"}},
        # SecureStrings under the aws/ssm key: its key policy lets SSM decrypt for any
        # principal of the account allowed to read the parameter. The parameters the
        # code reads, by name: not the path's `/*`, which would open to every function
        # whatever else is ever kept under it.
        {"Effect": "Allow", "Action": ["ssm:GetParameters"],
         "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:"
                                  f"${{AWS::AccountId}}:parameter{SECRETS_PATH}/{name}"}
                      for name in PARAMETERS]},
        *statements,
    ]


def _role(function: str) -> dict[str, Any]:
    return {"Properties": {"Policies": [{"PolicyName": f"{function}Access",
                                         "PolicyDocument": {"Version": "2012-10-17",
                                                            "Statement": _statements(function)}}]}}


def _role_name(function: str) -> str:
    # Chalice names roles after the function's logical id, APIHandler as ApiHandler.
    return "ApiHandlerRole" if function == "APIHandler" else f"{function}Role"


def function_resources() -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for function in FUNCTION_ACCESS:
        resources[_role_name(function)] = _role(function)
        resources[f"{function}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": {"Fn::Sub": f"/aws/lambda/${{{function}}}"},
                           "RetentionInDays": LOG_RETENTION_DAYS}}
        properties: dict[str, Any] = {
            "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "INFO",
                              "SystemLogLevel": "WARN"},
            "Environment": {"Variables": {**ENVIRONMENT,
                                          **EXTRA_ENVIRONMENT.get(function, {})}},
        }
        if function in WORKERS:
            properties["Timeout"] = WORKER_TIMEOUT
            if WORKERS[function].memory_mb is not None:
                properties["MemorySize"] = WORKERS[function].memory_mb
        resources[function] = {"Properties": properties}
    return resources
