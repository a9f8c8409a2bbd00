"""What `serve --demo` sets up (a sender and an Alim template) and the message it suggests: one place, for the CLI's
start-up and the API reference's examples, so that "Try it out" in /docs works against the demo."""

from __future__ import annotations

from typing import Any

DEMO_SENDER = "DEMO-SENDER"
DEMO_SENDER_BODY = {"sender": DEMO_SENDER, "name": "Demo channel"}
DEMO_TEMPLATE = {
    "sender": DEMO_SENDER,
    "templateCode": "DEMO_ORDER",
    "name": "Order shipped",
    "text": "Hello #{name}, your order #{order} has shipped.",
}
DEMO_DESTINATION = "821000000001"  # the sandbox delivers to it


def demo_alim_body() -> dict[str, Any]:
    """An Alim send of the demo's template to the sandbox's delivering number."""
    return {
        "messages": [
            {
                "sender": DEMO_SENDER,
                "destinations": [{"to": DEMO_DESTINATION}],
                "content": {
                    "type": "TEMPLATE",
                    "templateCode": DEMO_TEMPLATE["templateCode"],
                    "text": "Hello Jimin, your order 1234 has shipped.",
                },
            }
        ]
    }
