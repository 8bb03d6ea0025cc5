"""Hosts, accounts, schedules and event types in DynamoDB.

`HostRepository` makes a host's account (and reads it); it inherits the config's reads
(store/host_config_reads.py), the profile's writes (store/host_profiles.py) and the
settings' writes (store/host_settings.py, over the versions they are conditioned on:
store/settings_versions.py); the items are in store/host_items.py.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.availability import Schedule
from chalicelib.domain.errors import (
    ConcurrentWriteError,
    EmailTakenError,
    IdentityLinkedError,
    SlugTakenError,
)
from chalicelib.domain.hosts import Account, Profile
from chalicelib.domain.providers.oauth import Identity
from chalicelib.store.host_items import host_item, schedule_item
from chalicelib.store.host_profiles import HostProfileWrites
from chalicelib.store.host_settings import HostSettingsWrites
from chalicelib.store.identities import identity_items
from chalicelib.store.items import AccountItem, IdentityItem, SlugClaimItem
from chalicelib.store.transactions import cancelled_reasons, condition_failed, connection


class HostRepository(HostProfileWrites, HostSettingsWrites):
    def create(self, profile: Profile, email: str, password_hash: str, now: datetime,
               identity: Identity | None = None) -> None:
        """Account, slug claim, profile and an empty schedule (and the sign-in identity
        it was made with): all or nothing."""
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(AccountItem(f"EMAIL#{email}", "ACCOUNT", host_id=profile.host_id,
                                    password_hash=password_hash),
                        condition=AccountItem.pk.does_not_exist())
                tx.save(SlugClaimItem(f"SLUG#{profile.slug}", "SLUG", host_id=profile.host_id),
                        condition=SlugClaimItem.pk.does_not_exist())
                tx.save(host_item(profile, email, now))
                tx.save(schedule_item(profile.host_id, profile.slug,
                                      Schedule(profile.timezone, {}, {})))
                if identity is not None:
                    claim, listed = identity_items(profile.host_id, identity, now)
                    tx.save(claim, condition=IdentityItem.pk.does_not_exist())
                    tx.save(listed)
        except TransactWriteError as exc:
            reasons = cancelled_reasons(exc)
            if reasons[0] == "ConditionalCheckFailed":
                raise EmailTakenError("an account with this email exists", "email") from exc
            if reasons[1] == "ConditionalCheckFailed":
                raise SlugTakenError("this slug is taken", "slug") from exc
            if len(reasons) > 4 and reasons[4] == "ConditionalCheckFailed":
                raise IdentityLinkedError("this identity signs in to another Penny "
                                          "account") from exc
            raise

    def account(self, email: str) -> Account | None:
        try:
            item = AccountItem.get(f"EMAIL#{email}", "ACCOUNT")
        except DoesNotExist:
            return None
        return Account(item.host_id, email, item.password_hash)

    def update_password_hash(self, account: Account, password_hash: str) -> None:
        AccountItem(f"EMAIL#{account.email}", "ACCOUNT", host_id=account.host_id,
                    password_hash=password_hash).save()

    def replace_password_hash(self, account: Account, password_hash: str) -> None:
        """A password change: written only if the hash read is still the stored one, so
        two changes at once cannot both pass with the same old password."""
        try:
            AccountItem(f"EMAIL#{account.email}", "ACCOUNT").update(
                actions=[AccountItem.password_hash.set(password_hash)],
                condition=(AccountItem.host_id == account.host_id)
                & (AccountItem.password_hash == account.password_hash))
        except UpdateError as exc:
            if condition_failed(exc):
                raise ConcurrentWriteError() from exc
            raise
