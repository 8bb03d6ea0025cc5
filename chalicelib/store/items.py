"""PynamoDB item models: one class per kind of item in the single table, each with its
keys in its docstring. They live by what they are about: host_item_models.py (account,
slugs, profile, schedule, event types), calendar_item_models.py (ledger days, calendar
days, push channels), booking_item_models.py (bookings, retried POSTs, job records,
provider refs), session_item_models.py (refresh tokens, sockets, counters, reset links)
and connection_item_models.py (connections, OAuth states, identities), with their compact
JSON attribute in compact_json.py; this module names them all, so no import changes.

They never leave `store/`: repositories turn them into domain objects and back.
"""

from __future__ import annotations

from chalicelib.store.booking_item_models import BookingItem as BookingItem
from chalicelib.store.booking_item_models import IdempotencyItem as IdempotencyItem
from chalicelib.store.booking_item_models import JobRecordItem as JobRecordItem
from chalicelib.store.booking_item_models import ProviderRefItem as ProviderRefItem
from chalicelib.store.calendar_item_models import CalendarDayItem as CalendarDayItem
from chalicelib.store.calendar_item_models import CalendarRemovedItem as CalendarRemovedItem
from chalicelib.store.calendar_item_models import LedgerDayItem as LedgerDayItem
from chalicelib.store.calendar_item_models import LedgerEntryMap as LedgerEntryMap
from chalicelib.store.calendar_item_models import WatchAttemptItem as WatchAttemptItem
from chalicelib.store.calendar_item_models import WatchItem as WatchItem
from chalicelib.store.compact_json import CompactJSONAttribute as CompactJSONAttribute
from chalicelib.store.connection_item_models import ConnectionItem as ConnectionItem
from chalicelib.store.connection_item_models import IdentityItem as IdentityItem
from chalicelib.store.connection_item_models import IdentityLinkItem as IdentityLinkItem
from chalicelib.store.connection_item_models import OAuthStateItem as OAuthStateItem
from chalicelib.store.host_item_models import AccountItem as AccountItem
from chalicelib.store.host_item_models import EventSlugClaimItem as EventSlugClaimItem
from chalicelib.store.host_item_models import EventTypeItem as EventTypeItem
from chalicelib.store.host_item_models import HostItem as HostItem
from chalicelib.store.host_item_models import ScheduleItem as ScheduleItem
from chalicelib.store.host_item_models import SlugClaimItem as SlugClaimItem
from chalicelib.store.session_item_models import CounterItem as CounterItem
from chalicelib.store.session_item_models import LoginListItem as LoginListItem
from chalicelib.store.session_item_models import PasswordResetItem as PasswordResetItem
from chalicelib.store.session_item_models import RefreshFamilyItem as RefreshFamilyItem
from chalicelib.store.session_item_models import RefreshTokenItem as RefreshTokenItem
from chalicelib.store.session_item_models import SocketItem as SocketItem
