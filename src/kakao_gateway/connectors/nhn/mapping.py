"""NHN Cloud KakaoTalk Bizmessage, pure: our wire content to theirs, their result codes to ours (docs/kakao-nhn.md).

Every table of the mapping lives here, and only here: change a row here when NHN's documentation changes.
Sources: NHN Cloud's public API guides (AlimTalk API v2.3 "raw-messages", Brand Message API v1.0
"freestyle-messages", and the KakaoTalk Bizmessage error-code page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from ..credentials import SenderCredentials

KOREA = "82"
GROUPING_KEY_MAX = 100  # recipientGroupingKey: at most 100 characters

# --- Credentials ---------------------------------------------------------------------------------------------------


NhnCredentials = SenderCredentials  # NHN's app key, secret key (X-Secret-Key) and the channel's sender key


# --- Destinations --------------------------------------------------------------------------------------------------


def national_number(destination: str) -> str | None:
    """82 10 1234 5678 -> 010 1234 5678 (NHN wants a Korean national number); None for a number abroad."""
    if not destination.startswith(KOREA) or len(destination) <= len(KOREA):
        return None
    rest = destination[len(KOREA) :]
    return rest if rest.startswith("0") else f"0{rest}"


def grouping_key(message_id: str) -> str:
    """Our messageId as NHN's recipientGroupingKey (the client-side id we find a lost send by)."""
    return message_id[:GROUPING_KEY_MAX]


# --- Content: Alim -------------------------------------------------------------------------------------------------

# Our Alim button type -> NHN's.
ALIM_BUTTON_TYPES = {
    "URL": "WL",
    "APP_LINK": "AL",
    "DELIVERY_TRACKING": "DS",
    "BOT_KEYWORD": "BK",
    "MESSAGE_DELIVERY": "MD",
    "CHATBOT_SWITCH": "BT",
    "ADD_CHANNEL": "AC",
}
# Our Brand (free-form TEXT and IMAGE) button type -> NHN's.
BRAND_BUTTON_TYPES = {
    "URL": "WL",
    "APP_LINK": "AL",
    "BOT_KEYWORD": "BK",
    "MESSAGE_DELIVERY": "MD",
    "BUSINESS_FORM": "BF",
    "ADD_CHANNEL": "AC",
}
# Button field of ours -> NHN's (our Alim and Brand spell some differently: urlPc/urlPC, schemeIos/schemeIOS).
BUTTON_FIELDS = {
    "name": "name",
    "urlMobile": "linkMo",
    "urlPc": "linkPc",
    "urlPC": "linkPc",
    "schemeAndroid": "schemeAndroid",
    "schemeIos": "schemeIos",
    "schemeIOS": "schemeIos",
    "chatExtra": "chatExtra",
    "chatEvent": "chatEvent",
    "businessFormKey": "bizFormKey",
}
ALIM_FIELDS = {"type", "templateCode", "text", "title", "buttons"}  # what we map; anything else is refused
TEMPLATE_CODE_MAX = 20  # NHN's templateCode: at most 20 characters (ours: 30)

# --- Content: Brand ------------------------------------------------------------------------------------------------

# Our content type -> NHN's chatBubbleType, and the content fields each maps (anything else is refused at accept).
BRAND_BUBBLES = {
    "TEXT_FREE_FORM": "TEXT",
    "IMAGE_FREE_FORM": "IMAGE",
    "IMAGE_WIDE_FREE_FORM": "WIDE",
    "ITEM_LIST_FREE_FORM": "WIDE_ITEM_LIST",
    "COMMERCE_FREE_FORM": "COMMERCE",
    "CAROUSEL_FREE_FORM": "CAROUSEL_FEED",
    "CAROUSEL_COMMERCE_FREE_FORM": "CAROUSEL_COMMERCE",
    "PREMIUM_VIDEO_FREE_FORM": "PREMIUM_VIDEO",
}
# `coupon` is refused on every bubble until its `title` (ours: an object {type, couponTitleParameter}; NHN's: a string
# in one of five formats) is rendered as NHN's guide writes it; the rest would map urlMobile/urlPC/schemeIOS to
# linkMo/linkPc/schemeIos.
BRAND_FIELDS = {
    "TEXT_FREE_FORM": {"type", "text", "buttons"},
    "IMAGE_FREE_FORM": {"type", "text", "image", "buttons"},
    "IMAGE_WIDE_FREE_FORM": {"type", "text", "image", "buttons"},
    "ITEM_LIST_FREE_FORM": {"type", "header", "itemList", "buttons"},
    "COMMERCE_FREE_FORM": {"type", "commerce", "image", "additionalContent", "buttons"},
    "CAROUSEL_FREE_FORM": {"type", "elements", "tail"},  # NHN's CAROUSEL_FEED has no head
    "CAROUSEL_COMMERCE_FREE_FORM": {"type", "head", "elements", "tail"},
    "PREMIUM_VIDEO_FREE_FORM": {"type", "header", "content", "video", "button"},  # one `button`: NHN's buttons[0]
}
VIDEO_FIELDS = ("videoUrl", "thumbnailUrl")  # PREMIUM_VIDEO video: the same names
TEXT_AND_IMAGE_BUBBLES = {"TEXT", "IMAGE"}
IMAGE_TEXT_MAX = 400  # NHN's IMAGE content: at most 400 characters (ours: 1,300, as for TEXT)
# ITEM_LIST itemList[] field of ours -> NHN's item.list[] field.
ITEM_FIELDS = {
    "title": "title",
    "url": "imageUrl",
    "urlMobile": "linkMo",
    "urlPC": "linkPc",
    "schemeAndroid": "schemeAndroid",
    "schemeIOS": "schemeIos",
}
ITEM_LIST_MAX = 4  # NHN's item.list: 3 to 4 items (ours: 3 to 5)
# Carousel card (`elements[]`) fields of ours, and of its `attachment`, per type (NHN's `carousel.list[]`).
CARD_FIELDS = {
    "CAROUSEL_FREE_FORM": ({"header", "message", "attachment"}, {"image", "buttons"}),
    "CAROUSEL_COMMERCE_FREE_FORM": ({"additionalContent", "attachment"}, {"image", "buttons", "commerce"}),
}
# CAROUSEL_COMMERCE head field of ours -> NHN's carousel.head field.
HEAD_FIELDS = {
    "header": "header",
    "content": "content",
    "imageUrl": "imageUrl",
    "urlMobile": "linkMo",
    "urlPc": "linkPc",
    "schemeAndroid": "schemeAndroid",
    "schemeIos": "schemeIos",
}
HEAD_CONTENT_MAX = 50  # NHN's carousel.head.content: at most 50 characters (ours: no limit)
HEAD_CARDS_MAX = 5  # NHN's CAROUSEL_COMMERCE with a head: 1 to 5 cards (ours: 1 to 6)
# Carousel tail field of ours -> NHN's carousel.tail field.
TAIL_FIELDS = {"urlMobile": "linkMo", "urlPc": "linkPc", "schemeAndroid": "schemeAndroid", "schemeIos": "schemeIos"}
# COMMERCE commerce field of ours -> NHN's (the same names).
COMMERCE_FIELDS = ("title", "regularPrice", "discountPrice", "discountRate", "discountFixed")
BRAND_TARGETING = {"TARGETED_FRIENDS": "I", "ALL_CONSENT": "M", "NON_FRIENDS": "N"}


def alim_problems(content: dict[str, Any]) -> list[str]:
    """What of an Alim content NHN cannot carry (empty: all of it maps)."""
    problems = [f"content.{name} cannot be sent through NHN Cloud" for name in sorted(set(content) - ALIM_FIELDS)]
    if len(str(content.get("templateCode") or "")) > TEMPLATE_CODE_MAX:
        problems.append(f"content.templateCode: NHN Cloud takes at most {TEMPLATE_CODE_MAX} characters")
    problems += _button_problems(content.get("buttons") or [], ALIM_BUTTON_TYPES)
    return problems


def brand_problems(content: dict[str, Any]) -> list[str]:
    kind = content.get("type")
    if kind not in BRAND_BUBBLES:
        supported = ", ".join(BRAND_BUBBLES)
        return [f"content.type {kind} cannot be sent through NHN Cloud (supported: {supported})"]
    fields = BRAND_FIELDS[kind]
    problems = [f"content.{name} cannot be sent through NHN Cloud" for name in sorted(set(content) - fields)]
    if kind == "IMAGE_FREE_FORM" and len(str(content.get("text") or "")) > IMAGE_TEXT_MAX:
        problems.append(f"content.text: NHN Cloud takes at most {IMAGE_TEXT_MAX} characters for IMAGE_FREE_FORM")
    problems += _brand_button_problems(kind, "content.buttons", content.get("buttons") or [])
    if content.get("button"):
        single = _brand_button_problems(kind, "content.button", [content["button"]])
        problems += [problem.replace("content.button[0]", "content.button") for problem in single]
    problems += [
        f"content.video.{name} cannot be sent through NHN Cloud"
        for name in sorted(set(content.get("video") or {}) - set(VIDEO_FIELDS))
    ]
    items = content.get("itemList") or []
    if len(items) > ITEM_LIST_MAX:
        problems.append(f"content.itemList: NHN Cloud takes at most {ITEM_LIST_MAX} items; got {len(items)}")
    for i, item in enumerate(items):
        for name in sorted(set(item) - set(ITEM_FIELDS)):
            problems.append(f"content.itemList[{i}].{name} cannot be sent through NHN Cloud")
    problems += _commerce_problems("content.commerce", content.get("commerce"))
    if kind in CARD_FIELDS:
        problems += _carousel_problems(kind, content)
    return problems


def _brand_button_problems(kind: str, where: str, buttons: list[dict[str, Any]]) -> list[str]:
    problems = _button_problems(buttons, BRAND_BUTTON_TYPES, where, target=False)
    if BRAND_BUBBLES[kind] in TEXT_AND_IMAGE_BUBBLES:
        return problems
    # On the other bubbles NHN takes BF only as the first button and AC only as the last (right) one; ours puts
    # BUSINESS_FORM last unless ADD_CHANNEL is there too. What both allow is sent: [BF], [BF, AC], [x, AC], [x, BF]
    # is not.
    types = [b.get("type") for b in buttons]
    for i, kind_ in enumerate(types):
        if kind_ == "BUSINESS_FORM" and i != 0:
            problems.append(f"{where}[{i}]: NHN Cloud takes a BUSINESS_FORM button only as the first button")
        if kind_ == "ADD_CHANNEL" and i != len(types) - 1:
            problems.append(f"{where}[{i}]: NHN Cloud takes an ADD_CHANNEL button only as the last button")
    return problems


def _commerce_problems(where: str, commerce: dict[str, Any] | None) -> list[str]:
    return [
        f"{where}.{name} cannot be sent through NHN Cloud"
        for name in sorted(set(commerce or {}) - set(COMMERCE_FIELDS))
    ]


def _carousel_problems(kind: str, content: dict[str, Any]) -> list[str]:
    card_fields, attachment_fields = CARD_FIELDS[kind]
    cards = content.get("elements") or []
    problems = []
    for i, card in enumerate(cards):
        where = f"content.elements[{i}]"
        problems += [f"{where}.{name} cannot be sent through NHN Cloud" for name in sorted(set(card) - card_fields)]
        attachment = card.get("attachment") or {}
        problems += [
            f"{where}.attachment.{name} cannot be sent through NHN Cloud"
            for name in sorted(set(attachment) - attachment_fields)
        ]
        problems += _brand_button_problems(kind, f"{where}.attachment.buttons", attachment.get("buttons") or [])
        if kind == "CAROUSEL_COMMERCE_FREE_FORM" and not attachment.get("commerce"):
            problems.append(f"{where}.attachment.commerce: NHN Cloud requires a commerce on every card")
        problems += _commerce_problems(f"{where}.attachment.commerce", attachment.get("commerce"))
    head = content.get("head")
    if head is not None:
        problems += [
            f"content.head.{name} cannot be sent through NHN Cloud" for name in sorted(set(head) - set(HEAD_FIELDS))
        ]
        if not head.get("imageUrl"):
            problems.append("content.head.imageUrl: NHN Cloud requires it")
        if len(str(head.get("content") or "")) > HEAD_CONTENT_MAX:
            problems.append(f"content.head.content: NHN Cloud takes at most {HEAD_CONTENT_MAX} characters")
        if not head.get("urlMobile") and any(head.get(n) for n in ("urlPc", "schemeAndroid", "schemeIos")):
            problems.append("content.head.urlMobile: NHN Cloud requires it when the head has another link")
        if len(cards) > HEAD_CARDS_MAX:
            problems.append(f"content.elements: NHN Cloud takes at most {HEAD_CARDS_MAX} with a head; got {len(cards)}")
    tail = content.get("tail") or {}
    problems += [
        f"content.tail.{name} cannot be sent through NHN Cloud" for name in sorted(set(tail) - set(TAIL_FIELDS))
    ]
    return problems


def _button_problems(
    buttons: list[dict[str, Any]], types: dict[str, str], where: str = "content.buttons", target: bool = True
) -> list[str]:
    """What of some buttons NHN cannot carry; `target` only where NHN's button has it (Alim: yes, Brand: no)."""
    problems = []
    for i, button in enumerate(buttons):
        if button.get("type") not in types:
            problems.append(f"{where}[{i}].type {button.get('type')} cannot be sent through NHN Cloud")
        for name in sorted(set(button) - set(BUTTON_FIELDS) - {"type", *(["target"] if target else [])}):
            problems.append(f"{where}[{i}].{name} cannot be sent through NHN Cloud")
    return problems


def _button(button: dict[str, Any], ordering: int, types: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"ordering": ordering, "type": types[button["type"]]}
    for ours, theirs in BUTTON_FIELDS.items():
        if button.get(ours) is not None:
            out[theirs] = button[ours]
    if button.get("target") is not None:
        out["target"] = str(button["target"]).lower()  # ours: "OUT"; NHN's: "out"
    return out


def alim_recipient(content: dict[str, Any], destination: str, message_id: str) -> dict[str, Any]:
    """One `recipientList` entry of `POST /alimtalk/v2.3/appkeys/{appkey}/raw-messages` (the full text, as we
    checked it against the template at accept)."""
    recipient: dict[str, Any] = {
        "recipientNo": national_number(destination) or destination,
        "content": content["text"],
        "recipientGroupingKey": grouping_key(message_id),
    }
    if content.get("title") is not None:
        recipient["templateTitle"] = content["title"]
    buttons = content.get("buttons") or []
    if buttons:
        recipient["buttons"] = [_button(b, i + 1, ALIM_BUTTON_TYPES) for i, b in enumerate(buttons)]
    return recipient


def alim_request(sender_key: str, template_code: str, recipients: list[dict[str, Any]]) -> dict[str, Any]:
    return {"senderKey": sender_key, "templateCode": template_code, "recipientList": recipients}


def brand_request(
    sender_key: str, content: dict[str, Any], destination: str, message_id: str, audience: str | None
) -> dict[str, Any]:
    """The body of `POST /brand-message/v1.0/appkeys/{appkey}/freestyle-messages` for one message (Brand content is
    per message: one request each)."""
    body: dict[str, Any] = {
        "senderKey": sender_key,
        "chatBubbleType": BRAND_BUBBLES[content["type"]],
        "recipientList": [
            {
                "recipientNo": national_number(destination) or destination,
                "targeting": BRAND_TARGETING.get(audience or "TARGETED_FRIENDS", "I"),
                "recipientGroupingKey": grouping_key(message_id),
            }
        ],
    }
    body.update(_brand_content(content))
    return body


def _brand_content(content: dict[str, Any]) -> dict[str, Any]:
    """The bubble's own fields of NHN's body: each part of ours that is present, built by its row of BRAND_PARTS."""
    out = {theirs: content[ours] for ours, theirs in BRAND_TEXTS.items() if content.get(ours) is not None}
    for ours, (theirs, build) in BRAND_PARTS.items():
        if content.get(ours):
            out[theirs] = build(content[ours])
    if content.get("elements"):
        out["carousel"] = _carousel(content)
    return out


def _brand_buttons(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """NHN's Brand buttons have no `ordering`: their order in the list is the order shown."""
    return [
        {k: v for k, v in _button(b, i + 1, BRAND_BUTTON_TYPES).items() if k != "ordering"}
        for i, b in enumerate(buttons)
    ]


def _commerce(commerce: dict[str, Any]) -> dict[str, Any]:
    return {name: commerce[name] for name in COMMERCE_FIELDS if commerce.get(name) is not None}  # 0 is kept


def _image_fields(image: dict[str, Any]) -> dict[str, Any]:
    return {"imageUrl": image["url"], **({"imageLink": image["link"]} if image.get("link") else {})}


def _items(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"list": [{theirs: item[ours] for ours, theirs in ITEM_FIELDS.items() if item.get(ours)} for item in items]}


def _video(video: dict[str, Any]) -> dict[str, Any]:
    return {name: video[name] for name in VIDEO_FIELDS if video.get(name)}


# Brand content field of ours -> NHN's body field, copied as is (`text` on TEXT, IMAGE and WIDE; `content` on
# PREMIUM_VIDEO; `header` on WIDE_ITEM_LIST and PREMIUM_VIDEO; `additionalContent` on COMMERCE).
BRAND_TEXTS = {"text": "content", "content": "content", "header": "header", "additionalContent": "additionalContent"}
# Brand content part of ours -> NHN's body field and how it is built (`button`: PREMIUM_VIDEO's single button).
BRAND_PARTS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "image": ("image", _image_fields),
    "itemList": ("item", _items),
    "commerce": ("commerce", _commerce),
    "video": ("video", _video),
    "buttons": ("buttons", _brand_buttons),
    "button": ("buttons", lambda button: _brand_buttons([button])),
}


def _carousel(content: dict[str, Any]) -> dict[str, Any]:
    """NHN's `carousel`: `head` (CAROUSEL_COMMERCE), `list` (one per card of ours) and `tail`."""
    cards = []
    for element in content["elements"]:
        attachment = element["attachment"]
        card: dict[str, Any] = {}
        for name in ("header", "message", "additionalContent"):
            if element.get(name) is not None:
                card[name] = element[name]
        card.update(_image_fields(attachment["image"]))
        if attachment.get("commerce"):
            card["commerce"] = _commerce(attachment["commerce"])
        card["buttons"] = _brand_buttons(attachment["buttons"])
        cards.append(card)
    carousel: dict[str, Any] = {"list": cards}
    if content.get("head"):
        carousel["head"] = {
            theirs: content["head"][ours] for ours, theirs in HEAD_FIELDS.items() if content["head"].get(ours)
        }
    if content.get("tail"):
        carousel["tail"] = {
            theirs: content["tail"][ours] for ours, theirs in TAIL_FIELDS.items() if content["tail"].get(ours)
        }
    return carousel


# --- Results -------------------------------------------------------------------------------------------------------

ResultKind = Literal["final", "temporary", "pending"]


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: ResultKind
    status: str = "PENDING_ENROUTE"
    error: str = "NO_ERROR"


PENDING = Outcome("pending")
DELIVERED = Outcome("final", "DELIVERED_TO_HANDSET")
UNKNOWN_CODE = Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_PROVIDER_DR_ERROR")
CANCELED = Outcome("final", "UNDELIVERABLE_NOT_SENT", "EC_MESSAGE_CANCELED")


def _codes(codes: str, outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(codes.split(), outcome)


# Delivery result codes (`resultCode` of a message whose `messageStatus` is FAILED) -> our status and error.
DELIVERY_CODES: dict[str, Outcome] = {
    "1000": DELIVERED,
    "3005": Outcome("final", "DELIVERED_TO_OPERATOR"),  # sent, receipt unconfirmed (Kakao keeps it 3 days)
    "4161": PENDING,  # message being processed
    **_codes("3018 3019 3021", Outcome("final", "UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER")),
    **_codes("3020", Outcome("final", "UNDELIVERABLE_NOT_DELIVERED", "EC_BLOCKED_USER")),
    **_codes("1020 3008 4121", Outcome("final", "REJECTED_DESTINATION", "EC_INVALID_DESTINATION_ADDRESS")),
    **_codes("3015 4102 4133 4134", Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE")),
    **_codes(
        "3016 3025 3026 3027 3028 3029 3030 3031 3032 3033 3034 3035 3036 3037 3038 3039 3040 3042 3043 4132",
        Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE_ARGS"),
    ),
    **_codes(
        "1002 1003 1006 1007 1011 1021 1022 1023 1024 1025 1027 4103 4104",
        Outcome("final", "REJECTED_SENDER", "EC_CONFIGURATION_ERROR"),
    ),
    **_codes("1028 3050", Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_FORBIDDEN_ACCESS")),
    **_codes("3014 4144", Outcome("final", "REJECTED_MESSAGE_TOO_LONG", "EC_BAD_REQUEST")),
    **_codes(
        "1001 1004 1030 1033 3013 3023 3024 4110 4120 4130",
        Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_BAD_REQUEST"),
    ),
    **_codes("3022", Outcome("temporary", error="EC_NOT_ALLOWED_SENDING_TIME")),
    **_codes("4138 4156", Outcome("temporary", error="EC_TOO_MANY_REQUESTS")),
    **_codes(
        "2001 2005 3000 3006 3010 3012 4137 4139 4140 4141 4142 9998 9999",
        Outcome("temporary", error="EC_PROVIDER_INTERNAL_ERROR"),
    ),
}

# Per-recipient `resultCode` of a send answer (0: accepted) -> our outcome; other negative codes: EC_BAD_REQUEST.
SEND_CODES: dict[int, Outcome] = {
    -1006: Outcome("final", "REJECTED_SENDER", "EC_CONFIGURATION_ERROR"),
    -1027: Outcome("final", "REJECTED_SENDER", "EC_CONFIGURATION_ERROR"),
    -2017: Outcome("final", "REJECTED_SENDER", "EC_CONFIGURATION_ERROR"),
    -4019: Outcome("final", "REJECTED_DESTINATION", "EC_INVALID_DESTINATION_ADDRESS"),
    -3301: Outcome("final", "UNDELIVERABLE_NOT_DELIVERED", "EC_BLOCKED_USER"),
    -3003: Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE"),
    -3005: Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE"),
    -3004: Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE_ARGS"),
    -3010: Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE_ARGS"),
    -3049: Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE_ARGS"),
    -1028: Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE_ARGS"),
}
SEND_REJECTED = Outcome("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_BAD_REQUEST")
AUTH_CODES = frozenset({-1000, -1001})  # invalid appKey / secretKey: our configuration, not the message


def send_outcome(code: int) -> Outcome:
    """A recipient's answer to a send: accepted (pending: its result is polled) or refused."""
    if code == 0:
        return PENDING
    return SEND_CODES.get(code, SEND_REJECTED)


def delivery_outcome(message_status: str | None, result_code: str | None) -> Outcome:
    """A result query's answer: COMPLETED and FAILED are final (by their resultCode), CANCEL is canceled, and any
    other status (or none yet) is pending. An unknown code is a permanent EC_PROVIDER_DR_ERROR."""
    if message_status == "CANCEL":
        return CANCELED
    if message_status == "COMPLETED":
        return DELIVERY_CODES["3005"] if result_code == "3005" else DELIVERED
    if message_status != "FAILED":
        return PENDING
    return DELIVERY_CODES.get(result_code or "", UNKNOWN_CODE)


def is_known_code(result_code: str | None) -> bool:
    return result_code in DELIVERY_CODES


# --- Templates -----------------------------------------------------------------------------------------------------

TEMPLATE_STATUSES = {"TSC01": "REQUESTED", "TSC02": "INSPECTING", "TSC03": "APPROVED", "TSC04": "REJECTED"}
NHN_BUTTON_TYPES = {theirs: ours for ours, theirs in ALIM_BUTTON_TYPES.items()}
NHN_BUTTON_FIELDS = {
    "linkMo": "urlMobile",
    "linkPc": "urlPc",
    "schemeAndroid": "schemeAndroid",
    "schemeIos": "schemeIos",
}


def template_status(nhn_status: str | None) -> str:
    """Their inspection status -> ours; an unknown one is REQUESTED (not usable until known)."""
    return TEMPLATE_STATUSES.get(nhn_status or "", "REQUESTED")


def template_buttons(buttons: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """An NHN template's buttons in our catalogue's form; None when one has a type we cannot send."""
    ours = []
    for button in sorted(buttons, key=lambda b: int(b.get("ordering") or 0)):
        kind = NHN_BUTTON_TYPES.get(str(button.get("type")))
        if kind is None:
            return None
        out: dict[str, Any] = {"type": kind, "name": button.get("name") or ""}
        out.update({ours_: button[theirs] for theirs, ours_ in NHN_BUTTON_FIELDS.items() if button.get(theirs)})
        ours.append(out)
    return ours


EMPHASIS_TYPES = ("NONE", "TEXT", "IMAGE", "ITEM_LIST")
MESSAGE_TYPES = ("BA", "EX", "AD", "MI")
# NHN's template field -> ours (the details kept beside the text, title and buttons)
NHN_TEMPLATE_DETAILS = {
    "templateSubtitle": "subtitle",
    "templateImageUrl": "imageUrl",
    "templateHeader": "header",
    "templateExtra": "extra",
    "templateAd": "ad",
}


def template_emphasis(template: dict[str, Any]) -> str:
    kind = str(template.get("templateEmphasizeType") or "")
    if kind in EMPHASIS_TYPES:
        return kind
    return "TEXT" if template.get("templateTitle") else "NONE"


def template_details(template: dict[str, Any]) -> dict[str, Any]:
    """The dealer fields of an NHN template in our catalogue's form (what NHN gives; empty values left out)."""
    details: dict[str, Any] = {
        ours: template[theirs] for theirs, ours in NHN_TEMPLATE_DETAILS.items() if template.get(theirs)
    }
    highlight = template.get("templateItemHighlight")
    if isinstance(highlight, dict) and highlight.get("title"):
        details["itemHighlight"] = {k: highlight[k] for k in ("title", "description", "imageUrl") if highlight.get(k)}
    item = template.get("templateItem")
    if isinstance(item, dict):
        entries = [e for e in item.get("list") or [] if isinstance(e, dict)]
        if entries:
            details["itemList"] = [
                {"title": e.get("title") or "", "description": e.get("description") or ""} for e in entries
            ]
        summary = item.get("summary")
        if isinstance(summary, dict) and summary.get("title"):
            details["itemSummary"] = {"title": summary["title"], "description": summary.get("description") or ""}
    return details


def template_message_type(template: dict[str, Any]) -> str:
    kind = str(template.get("templateMessageType") or "BA")
    return kind if kind in MESSAGE_TYPES else "BA"


def template_comments(comments: Any, fallback_ms: int) -> tuple[dict[str, Any], ...]:
    """NHN's inspection comments (`{content, userName, createdAt, status}`) as ours (`{at, author, text}`); a time
    NHN writes in Korea time without an offset, or not at all, is read as such, or taken as `fallback_ms`."""
    out = []
    for c in comments if isinstance(comments, list) else []:
        if isinstance(c, dict) and c.get("content"):
            author = str(c.get("userName") or ("INSPECTOR" if c.get("status") in ("APR", "REJ", "REQ") else "CLIENT"))
            out.append({"at": kst_ms(c.get("createdAt")) or fallback_ms, "author": author, "text": str(c["content"])})
    return tuple(out)


# --- Times ---------------------------------------------------------------------------------------------------------

KST = timezone(timedelta(hours=9))


def kst_ms(text: Any) -> int | None:
    """`yyyy-MM-dd HH:mm:ss` in Korea time (NHN's way), or an ISO 8601 instant, as epoch ms; None if neither."""
    try:
        at = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return int((at if at.tzinfo else at.replace(tzinfo=KST)).timestamp() * 1000)


def kst_minute(ms: int) -> str:
    """An instant as NHN's query parameters want it: `yyyy-MM-dd HH:mm`, Korea time."""
    return datetime.fromtimestamp(ms / 1000, KST).strftime("%Y-%m-%d %H:%M")


# --- Accept ------------------------------------------------------------------------------------------------------


def content_problems(channel: str, content: dict[str, Any]) -> list[str]:
    """At accept, for an account whose Kakao upstream is NHN Cloud: each part of a message's wire content NHN cannot
    carry (the registry refuses Sangdam, which NHN does not carry at all, before this is asked). A destination
    abroad is refused per message when sent: REJECTED_DESTINATION."""
    return alim_problems(content) if channel == "ALIM" else brand_problems(content)
