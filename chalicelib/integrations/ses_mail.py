"""E-mail through Amazon SES (API v2, SendEmail): one plain-text message to one address,
from the operator's verified sender (settings.email_sender).

The client is made on the first message, from the container's shared botocore session
(integrations/aws_session.py): only a password reset's path loads SES's model. AWS
endpoints come from the environment (`make run` points them at its embedded AWS, whose
SES keeps what is sent: local/outbox.py).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.services.mail_ports import MailNotSentError


class SesMail:
    def __init__(self, sender: str, region: str) -> None:
        self._sender = sender
        self._region = region

    @cached_property
    def client(self) -> Any:
        from chalicelib.integrations.aws_session import client

        return client("sesv2", self._region)

    def send(self, to: str, subject: str, text: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.send_email(
                FromEmailAddress=self._sender, Destination={"ToAddresses": [to]},
                Content={"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"},
                                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}}})
        except ClientError as exc:
            # MessageRejected (an unverified recipient in SES's sandbox, say), throttling.
            raise MailNotSentError(str(exc.response.get("Error", {}).get("Code"))) from exc
        except BotoCoreError as exc:
            raise MailNotSentError(type(exc).__name__) from exc
