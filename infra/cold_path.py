"""What each kind of Penny's functions imports on a cold start (`FIRST_REQUEST`) and does
on its first request (`FIRST_USE`), as code a fresh interpreter runs.

The packaging step ships bytecode for what they import (infra/bytecode.py); the cost
model measures both, each kind in a fresh interpreter started as Lambda starts it
(infra/parameter_stand_in.py): its INIT and first use (bench/costing/sample.py, printed
by bench/cold_start.py).
"""

from __future__ import annotations

# Every worker's runner and its stores (bootstrap.build_worker).
WORKER = ("import app; from chalicelib import bootstrap; "
          "import chalicelib.functions.realtime, chalicelib.services.jobs, "
          "chalicelib.services.links, chalicelib.store.jobs, chalicelib.store.bookings, "
          "chalicelib.store.hosts, chalicelib.store.provider_refs, chalicelib.store.counters, ")
# What each kind of function imports before its first request is answered: `import app`
# (the INIT phase of a cold start) plus the lazy imports of the first request. For the
# API that is a booking's path: the Function URL adapter, the booking page, its slots
# and the booking POST.
FIRST_REQUEST = {
    "api": ("import app; from chalicelib import bootstrap; "
            "import chalicelib.functions.function_url, chalicelib.functions.schemas, "
            "chalicelib.functions.views, chalicelib.functions.requests, "
            "chalicelib.services.booking, chalicelib.store.bookings, "
            "chalicelib.services.public, chalicelib.web.booking_pages"),
    "events": ("import app; from chalicelib import bootstrap; "
               "import chalicelib.functions.realtime, chalicelib.services.fanout, "
               "chalicelib.store.stream, chalicelib.store.sockets, "
               "aws_lambda_powertools.utilities.batch"),
    # A worker's first event: the runner and its stores (bootstrap.build_worker), its job,
    # and the adapter that loads the vendor's SDK.
    "notes": (WORKER + "chalicelib.services.notes, chalicelib.services.connections, "
              "chalicelib.integrations.token_cipher, chalicelib.integrations.notion_notes"),
    "summary": (WORKER + "chalicelib.services.summary, "
                "chalicelib.integrations.gemini_briefs"),
    "calendar": (WORKER + "chalicelib.services.calendar_sync, "
                 "chalicelib.services.calendar_cache, chalicelib.services.connections, "
                 "chalicelib.integrations.token_cipher, chalicelib.integrations.google_calendar"),
    "payments": (WORKER + "chalicelib.services.payments_job, chalicelib.services.reservations, "
                 "chalicelib.integrations.stripe_payments, "
                 "chalicelib.integrations.razorpay_payments"),
}
WORKERS = ("notes", "summary", "calendar", "payments")
# What each kind of function's first request does on top of its imports, once per
# container (the cost model bills it on every cold start, at the function's share of a
# vCPU: bench/costing/sample.py): the core bootstrap builds on the first request and the
# DynamoDB client PynamoDB makes from it (out of the botocore session the settings' read
# made at INIT: integrations/aws_session.py), and each kind's own lazy work: the API's
# request and answer validators (pydantic's defer_build), the event fan-out's SNS and
# WebSocket management clients, the token cipher's `cryptography` and Google's discovery
# document (calendar), Gemini's client.
_DYNAMODB = ("from chalicelib.store.tables import PennyItem; bootstrap.core(); "
             "PennyItem._get_connection().connection.client; ")
_CIPHER = "from cryptography.hazmat.primitives.ciphers.aead import AESGCM; "
FIRST_USE = {
    "api": (_DYNAMODB + "from chalicelib.functions.schemas import bookings as b, slots as s; "
            "[m.model_rebuild(force=True) for m in (b.BookingIn, b.BookingOut, "
            "s.SlotsQuery, s.SlotsOut)]"),
    "events": (_DYNAMODB + "from chalicelib.integrations import aws_session, websocket; "
               "aws_session.client('sns', 'us-east-1'); "
               "websocket.SharedSession('us-east-1').client('apigatewaymanagementapi', "
               "endpoint_url='https://ws.execute-api.us-east-1.amazonaws.com/prod')"),
    "notes": _DYNAMODB + _CIPHER,
    "summary": (_DYNAMODB + "from google import genai; "
                "genai.Client(enterprise=False, api_key='cost')"),
    "calendar": (_DYNAMODB + _CIPHER + "from chalicelib.integrations.google_services import "
                 "resource; resource('calendar', 'v3', 'https://www.googleapis.com/', "
                 "'events')"),
    "payments": _DYNAMODB,
}
