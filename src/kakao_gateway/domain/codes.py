"""The status and error ids the engine and the store write, looked up once in the catalogue."""

from __future__ import annotations

from . import status as st

PENDING = st.status("PENDING_ENROUTE").id
WAITING = st.status("PENDING_WAITING_DELIVERY").id
NOT_SENT = st.status("UNDELIVERABLE_NOT_SENT").id
EXPIRED = st.status("EXPIRED_EXPIRED").id
NO_ERROR = st.error("NO_ERROR").id
PROVIDER_ERROR = st.error("EC_PROVIDER_INTERNAL_ERROR").id
TIMEOUT = st.error("EC_PROVIDER_TIMEOUT").id
LAPSED = st.error("EC_VALIDITY_EXPIRED").id
