"""Unit and property tests of the pure logic in `kakao_gateway.domain`."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta, timezone

import phonenumbers
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from kakao_gateway.domain import phone, planning, retry, templates, times

HOUR_MS = 3_600_000
MAX_VALIDITY_MS = 48 * HOUR_MS
MIDNIGHT_MS = 1_795_996_800_000  # 2026-11-30T00:00:00Z

# --- templates ---------------------------------------------------------------------------------------------

# Fixed parts never contain braces, so they cannot form or break a `#{...}` placeholder; names have no `}`.
fixed_parts = st.text(st.characters(blacklist_characters="{}", blacklist_categories=("Cs",)), max_size=8)
variable_names = st.text(st.characters(blacklist_characters="}", blacklist_categories=("Cs",)), max_size=6)
values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@st.composite
def templates_with_values(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """(template text, its fixed parts, values for its variables): len(fixed) == len(values) + 1."""
    count = draw(st.integers(min_value=0, max_value=4))
    fixed = draw(st.lists(fixed_parts, min_size=count + 1, max_size=count + 1))
    names = draw(st.lists(variable_names, min_size=count, max_size=count))
    chosen = draw(st.lists(values, min_size=count, max_size=count))
    template = fixed[0] + "".join(f"#{{{name}}}{part}" for name, part in zip(names, fixed[1:], strict=True))
    return template, fixed, chosen


def render(fixed: list[str], chosen: list[str]) -> str:
    return fixed[0] + "".join(value + part for value, part in zip(chosen, fixed[1:], strict=True))


@given(templates_with_values())
@settings(max_examples=300)
def test_any_substitution_of_the_variables_matches(case: tuple[str, list[str], list[str]]) -> None:
    template, fixed, chosen = case
    assert templates.text_matches(template, render(fixed, chosen))


@given(templates_with_values())
def test_the_template_matches_itself(case: tuple[str, list[str], list[str]]) -> None:
    template, _, _ = case
    assert templates.text_matches(template, template)


@given(templates_with_values(), st.characters(blacklist_categories=("Cs",)), st.booleans())
@settings(max_examples=300)
def test_a_changed_fixed_prefix_or_suffix_does_not_match(
    case: tuple[str, list[str], list[str]], replacement: str, at_start: bool
) -> None:
    template, fixed, chosen = case
    part = fixed[0] if at_start else fixed[-1]
    assume(part)
    index = 0 if at_start else len(part) - 1
    assume(part[index] != replacement)
    changed_part = part[:index] + replacement + part[index + 1 :]
    changed = list(fixed)
    changed[0 if at_start else -1] = changed_part
    assert not templates.text_matches(template, render(changed, chosen))


@given(templates_with_values(), st.text(alphabet="xyz", min_size=1, max_size=3))
def test_extra_text_around_a_template_without_variables_does_not_match(
    case: tuple[str, list[str], list[str]], extra: str
) -> None:
    _, fixed, _ = case
    literal = fixed[0]
    assert templates.text_matches(literal, literal)
    assert not templates.text_matches(literal, extra + literal)
    assert not templates.text_matches(literal, literal + extra)


@pytest.mark.parametrize(
    ("template", "text", "expected"),
    [
        ("Hello #{name}!", "Hello Jimin!", True),
        ("Hello #{name}!", "Hello !", True),
        ("Hello #{name}!", "Hello Jimin?", False),
        ("Hello #{name}!", "Hi Jimin!", False),
        ("Order #{id} shipped", "Order 1\n2 shipped", True),
        ("#{a}-#{b}", "x-y-z", True),
        ("#{a}", "", True),
        ("#{a}", "anything at all", True),
        ("A #{x} B #{y} C", "A 1 D 2 C", False),
        ("A #{x} B #{y} C", "A 1 B 2 C", True),
        ("Price: $#{p} (incl. VAT)", "Price: $10 (incl. VAT)", True),
        ("Price: $#{p} (incl. VAT)", "Price: $10 (incl? VAT)", False),
        ("a.b", "axb", False),
        ("[#{x}]*", "[1]*", True),
        ("[#{x}]*", "[1]]]", False),
        ("unclosed #{name", "unclosed #{name", True),
        ("unclosed #{name", "unclosed Jimin", False),
        ("#{a}#{b}", "ab", True),
    ],
)
def test_text_matches_examples(template: str, text: str, expected: bool) -> None:
    assert templates.text_matches(template, text) is expected


def test_variables() -> None:
    assert templates.variables("Hello #{name}, order #{order}; #{}") == ["name", "order", ""]
    assert templates.variables("no variables") == []


def test_buttons_match() -> None:
    expected = [
        {"type": "URL", "name": "Go", "urlMobile": "https://x.test/#{id}"},
        {"type": "BOT_KEYWORD", "name": "K"},
    ]
    good = [{"type": "URL", "name": "Go", "urlMobile": "https://x.test/42"}, {"type": "BOT_KEYWORD", "name": "K"}]
    assert templates.buttons_match(expected, good)
    assert templates.buttons_match([], [])
    assert not templates.buttons_match(expected, good[:1])
    assert not templates.buttons_match(expected, list(reversed(good)))
    assert not templates.buttons_match(expected, [{**good[0], "urlMobile": "https://y.test/42"}, good[1]])
    assert not templates.buttons_match(expected, [{**good[0], "name": "Stop"}, good[1]])
    assert not templates.buttons_match(expected, [{"type": "URL", "name": "Go"}, good[1]])


MATCH_TIMEOUT_S = 5.0


def test_matching_a_long_non_matching_text_is_fast() -> None:
    """No catastrophic backtracking (a regex of lazy `.*?` groups took minutes here); run in a subprocess so a
    regression fails instead of hanging the suite."""
    # Five space-separated variables, a 1,000-character text that fails only at the end.
    script = textwrap.dedent(
        """
        from kakao_gateway.domain.templates import text_matches
        template = "Dear #{a} #{b} #{c} #{d} #{e}."
        assert not text_matches(template, "Dear " + " " * 995)
        assert not text_matches("#{a}" * 30 + "X", "y" * 200)
        """
    )
    try:
        subprocess.run([sys.executable, "-c", script], check=True, timeout=MATCH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"text_matches took more than {MATCH_TIMEOUT_S} s")


# --- planning ----------------------------------------------------------------------------------------------

units = st.sampled_from(["SECONDS", "MINUTES", "HOURS"])
UNIT_MS = {"SECONDS": 1000, "MINUTES": 60_000, "HOURS": HOUR_MS}


@given(st.integers(min_value=1, max_value=10**12), units)
def test_validity_is_never_above_48_hours(amount: int, unit: str) -> None:
    validity = planning.validity_ms(amount, unit)
    assert 0 < validity <= MAX_VALIDITY_MS
    assert validity == min(amount * UNIT_MS[unit], MAX_VALIDITY_MS)


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=1, max_value=10**9), units)
def test_validity_is_monotone_in_the_amount(a: int, b: int, unit: str) -> None:
    low, high = sorted((a, b))
    assert planning.validity_ms(low, unit) <= planning.validity_ms(high, unit)


@given(st.integers(min_value=1, max_value=10**9))
def test_validity_is_monotone_in_the_unit(amount: int) -> None:
    seconds, minutes, hours = (planning.validity_ms(amount, u) for u in ("SECONDS", "MINUTES", "HOURS"))
    assert seconds <= minutes <= hours


def test_validity_examples() -> None:
    assert planning.validity_ms(None, None) == MAX_VALIDITY_MS
    assert planning.validity_ms(10, None) == 10 * 60_000
    assert planning.validity_ms(90, "SECONDS") == 90_000
    assert planning.validity_ms(48, "HOURS") == MAX_VALIDITY_MS
    assert planning.validity_ms(49, "HOURS") == MAX_VALIDITY_MS
    assert planning.validity_ms(2880, "MINUTES") == MAX_VALIDITY_MS
    assert planning.validity_ms(2881, "MINUTES") == MAX_VALIDITY_MS


@given(st.integers(min_value=0, max_value=4 * 10**12), st.none() | st.integers(min_value=0, max_value=4 * 10**12))
def test_start_at_is_send_at_unless_absent_or_past(now: int, send_at: int | None) -> None:
    planned = planning.start_at(now, send_at)
    assert planned >= now
    assert planned == (send_at if send_at is not None and send_at >= now else now)


def test_send_at_limit_is_180_days() -> None:
    day = 24 * HOUR_MS
    assert planning.send_at_problem(MIDNIGHT_MS, MIDNIGHT_MS + 180 * day) is None
    assert (
        planning.send_at_problem(MIDNIGHT_MS, MIDNIGHT_MS + 180 * day + 1) == "must be at most 180 days in the future"
    )
    assert planning.send_at_problem(MIDNIGHT_MS, MIDNIGHT_MS - day) is None


# --- times -------------------------------------------------------------------------------------------------

FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000")
instants_ms = st.integers(min_value=0, max_value=4_102_444_800_000)  # 1970 .. 2100


def test_format_ms() -> None:
    assert times.format_ms(MIDNIGHT_MS) == "2026-11-30T00:00:00.000+0000"
    assert times.format_ms(MIDNIGHT_MS + 457) == "2026-11-30T00:00:00.457+0000"
    assert times.format_ms(0) == "1970-01-01T00:00:00.000+0000"
    assert times.format_ms(MIDNIGHT_MS - 1) == "2026-11-29T23:59:59.999+0000"


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-30T09:00:00.000+09:00",
        "2026-11-30T09:00:00.000+0900",
        "2026-11-30T09:00:00+09:00",
        "2026-11-30T00:00:00.000Z",
        "2026-11-30T00:00:00Z",
        "2026-11-30T00:00:00z",
        "2026-11-30T00:00:00.000+0000",
        "2026-11-30T00:00:00.000+00:00",
        "2026-11-29T19:00:00.000-05:00",
        "2026-11-29T19:00:00.000-0500",
        "2026-11-30T05:30:00.000+05:30",
        " 2026-11-30T00:00:00.000Z ",
    ],
)
def test_parse_instant_offsets(text: str) -> None:
    assert times.parse_instant(text) == MIDNIGHT_MS


def test_parse_instant_keeps_milliseconds() -> None:
    assert times.parse_instant("2026-11-30T09:00:00.457+09:00") == MIDNIGHT_MS + 457
    assert times.parse_instant("2023-09-26T10:52:15.457+0000") == 1_695_725_535_457


@pytest.mark.parametrize(
    "text", ["2026-11-30T00:00:00", "2026-11-30", "tomorrow", "", "2026-11-31T00:00:00Z", "2026-11-30T24:00:00Z"]
)
def test_parse_instant_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        times.parse_instant(text)


@given(instants_ms)
def test_format_is_infobips_shape(ms: int) -> None:
    assert FORMAT.fullmatch(times.format_ms(ms))


@given(instants_ms.map(lambda ms: ms - ms % 1000))
def test_round_trip_of_whole_seconds(ms: int) -> None:
    assert times.parse_instant(times.format_ms(ms)) == ms


@given(instants_ms)
@example(2_198_471_042_746)  # 2039-09-01T06:24:02.746Z
@example(1_073_790_968_830)  # 2004-01-11T03:16:08.830Z
def test_round_trip_of_milliseconds(ms: int) -> None:
    """Exact milliseconds (the examples lost one to float truncation in `int(dt.timestamp() * 1000)`)."""
    assert times.parse_instant(times.format_ms(ms)) == ms


@given(instants_ms.map(lambda ms: ms - ms % 1000), st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_the_same_instant_in_any_offset(ms: int, offset_minutes: int) -> None:
    zone = timezone(timedelta(minutes=offset_minutes))
    local = datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone)
    colon = local.isoformat(timespec="milliseconds")
    compact = colon[:-3] + colon[-2:]
    assert times.parse_instant(colon) == ms
    assert times.parse_instant(compact) == ms
    assert times.format_ms(times.parse_instant(compact)) == times.format_ms(ms)


# --- retry -------------------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=10_000))
def test_webhook_retry_formula(retry_number: int) -> None:
    """1 min + 1 min × retryNumber²."""
    assert retry.webhook_retry_delay_ms(retry_number) == 60_000 + 60_000 * retry_number**2


def test_webhook_retry_examples() -> None:
    assert [retry.webhook_retry_delay_ms(n) for n in range(5)] == [60_000, 120_000, 300_000, 600_000, 1_020_000]


@given(st.integers(min_value=1, max_value=1000))
def test_webhook_retry_grows(retry_number: int) -> None:
    assert retry.webhook_retry_delay_ms(retry_number) > retry.webhook_retry_delay_ms(retry_number - 1)


def test_submit_retry_backoff() -> None:
    delays = [retry.submit_retry_delay_ms(n) for n in range(1, 9)]
    assert delays == [30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]


@given(st.integers(min_value=1, max_value=10_000))
def test_submit_retry_is_monotone_and_capped(failed: int) -> None:
    assert retry.submit_retry_delay_ms(failed) <= retry.submit_retry_delay_ms(failed + 1) <= 600_000


# --- phone -------------------------------------------------------------------------------------------------


def reference(to: str) -> bool:
    """What phonenumbers itself says about an international number written without `+`, and every 8-digit 010
    number (phonenumbers' metadata leaves out 010-597x…599x: see domain/phone.py)."""
    if re.fullmatch(r"8210[0-9]{8}", to):
        return True
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse("+" + to)))
    except phonenumbers.NumberParseException:
        return False


digits = st.text(alphabet="0123456789", min_size=0, max_size=13)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
@settings(deadline=None, max_examples=300)
def test_korean_010_mobiles_are_all_valid(rest: str) -> None:
    """Every 8210 number with 8 digits is valid, 821059700000 too (phonenumbers alone says it is not)."""
    assert phone.is_valid_destination("8210" + rest)


@given(
    st.sampled_from(["82", "8210", "821", "8201", "82010", "8211", "8216", "8217", "8218", "8219", "8212", "8202"]),
    digits,
)
@settings(deadline=None, max_examples=500)
def test_korean_prefixes_agree_with_phonenumbers(prefix: str, rest: str) -> None:
    to = prefix + rest
    assert phone.is_valid_destination(to) == reference(to)


@given(st.sampled_from(["1", "44", "66", "81", "86", "41", "7", "850", "8"]), digits)
@settings(deadline=None, max_examples=300)
def test_other_countries_agree_with_phonenumbers(prefix: str, rest: str) -> None:
    to = prefix + rest
    assert phone.is_valid_destination(to) == reference(to)


@given(st.text(max_size=16))
@settings(deadline=None)
def test_non_digit_destinations_are_invalid(to: str) -> None:
    assume(not to.isdigit())
    assert not phone.is_valid_destination(to)


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("821012345678", True),
        ("821000000001", True),
        ("82101234567", True),
        ("66855538125", True),
        ("41793026727", True),
        ("12345", False),
        ("8210123", False),
        ("8210123456789", False),
        ("821059700000", True),
        ("+821012345678", False),
        ("8210-1234-5678", False),
        ("", False),
        ("1" * 16, False),
    ],
)
def test_destination_examples(to: str, expected: bool) -> None:
    assert phone.is_valid_destination(to) is expected


@pytest.mark.parametrize("to", ["８２１０１２３４５６７８", "٨٢١٠١٢٣٤٥٦٧٨"])
def test_non_ascii_digits_are_invalid(to: str) -> None:
    """Destinations are ASCII digits: `\\d` alone would also accept full-width and Arabic-Indic digits."""
    assert not phone.is_valid_destination(to)
