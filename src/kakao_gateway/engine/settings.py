"""Engine settings: batch sizes, leases and wake-up intervals, the upstream submit-rate caps, and retention."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.planning import MAX_VALIDITY_MS, MINUTE_MS

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class EngineSettings:
    claim_batch: int = 500
    lease_ms: int = 30_000
    renew_every_s: float = 10.0  # lease renewal while a batch is with its upstream (a third of the lease)
    result_timeout_ms: int = 60_000
    poll_interval_s: float = 0.2  # the longest any duty sleeps with nothing to do (other processes may add work)
    maintenance_interval_s: float = 1.0
    purge_every_ms: int = 10 * MINUTE_MS
    optimize_every_ms: int = 60 * MINUTE_MS
    keep_ms: int = MAX_VALIDITY_MS
    max_submit_rate: float = 0.0  # messages per second to the upstreams, all senders together; 0 = no limit
    max_submit_rate_per_sender: float = 0.0  # messages per second per (account, sender); 0 = no limit
    link_keep_ms: int = 90 * DAY_MS  # short links (and their clicks) are deleted this long after creation; 0 = kept
    click_keep_ms: int = 90 * DAY_MS  # clicks are deleted this long after they were recorded; 0 = kept
    transcript_keep_ms: int = 90 * DAY_MS  # closed Sangdam sessions and their transcripts, after closing; 0 = kept
    history_keep_ms: int = 30 * DAY_MS  # finished messages and their events, after they finished
    stats_keep_ms: int = 400 * DAY_MS  # statistics rollups, after their minute
