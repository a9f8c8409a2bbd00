"""How many bytes of body each route reads before it answers 413, derived from the documented limits of what the body
carries (each string at its longest, every character written as a 6-byte `\\uXXXX` escape where that is legitimate).
What passes the byte limit is then counted against the item limits before it is parsed (api.body_scan)."""

from __future__ import annotations

from ..schemas.common import MAX_DESTINATIONS

KIB = 1024
MIB = 1024 * KIB
ESCAPED = 6  # bytes of one character written as \uXXXX

# Sends and the bulk plan. The documented limits allow 100,000 messages of up to ~20 KB each, so they alone bound
# nothing useful. 64 MiB holds 100,000 destinations of the largest legitimate item twice over (a 100-character user
# key and a 200-character messageId: ~330 bytes), or 100,000 one-destination personalised messages of ~670 bytes;
# a body over the item limits is refused by counting, whatever its size.
SEND_BYTES = 64 * MIB
# The sandbox's friend list: 100,000 destinations of at most 32 characters.
FRIENDS_BYTES = MAX_DESTINATIONS * (32 * ESCAPED + 4)  # 19.6 MB
# Sangdam keywords: 1,000 keywords of at most 100 characters.
KEYWORDS_BYTES = 1000 * (100 * ESCAPED + 4)  # 604 KB
# An Alim template: a 1,000-character text, a title, five buttons of four 500-character links.
TEMPLATE_BYTES = 256 * KIB
# A bulk's schedule, status or speed; an account's settings: a few short fields.
SMALL_BYTES = 16 * KIB
