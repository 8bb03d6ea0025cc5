"""The e-mail Penny sent, as moto's SES kept it (local/outbox.py): tests take a reset
link from the message itself, never a token made up beside it."""

from __future__ import annotations

import re

import boto3

from local.outbox import SentMail, sent_mail

SENDER = "penny@penny.test"
REGION = "us-east-1"
LINK = re.compile(r"(?P<url>\S+/app/reset-password)#token=(?P<token>\S+)")


def verify_sender(address: str = SENDER) -> None:
    """What the operator does once in SES (a verified identity): moto, like SES, refuses
    to send from an address it does not know."""
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=address)


def inbox(to: str) -> list[SentMail]:
    return [mail for mail in sent_mail(REGION) if to in mail.to]


def reset_token(mail: SentMail) -> str:
    found = LINK.search(mail.body)
    assert found, mail.body
    return found["token"]
