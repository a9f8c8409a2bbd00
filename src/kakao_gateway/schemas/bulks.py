"""Wire models of the bulk control extension (modelled on Infobip's SMS scheduled-bulk API)."""

from __future__ import annotations

from typing import Literal

from .common import SendAt, SendingSpeedLimit, Wire


class BulkSchedule(Wire):
    sendAt: SendAt


class BulkStatusChange(Wire):
    status: Literal["PAUSED", "PROCESSING", "CANCELED"]


BulkSpeed = SendingSpeedLimit
