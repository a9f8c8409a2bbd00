"""Korean SMS rules (domain.sms): the format follows the EUC-KR byte count, and nothing is ever truncated."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kakao_gateway.domain.sms import LMS_MAX_BYTES, SMS_MAX_BYTES, TITLE_MAX_BYTES, SmsProblem, SmsText, sms_text

HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
TEXTS = st.text(st.one_of(HANGUL, ASCII, st.characters()), max_size=1200)


@given(TEXTS, st.one_of(st.none(), st.text(max_size=30)))
def test_a_text_is_sent_whole_or_refused(text: str, title: str | None) -> None:
    result = sms_text(text, title)
    try:
        size = len(text.encode("euc_kr"))
    except UnicodeEncodeError:
        assert isinstance(result, SmsProblem) and result.field == "text"
        return
    if size == 0 or size > LMS_MAX_BYTES:
        assert isinstance(result, SmsProblem) and result.field == "text"
        return
    if title is not None:
        try:
            title_size: int | None = len(title.encode("euc_kr"))
        except UnicodeEncodeError:
            title_size = None
        if title_size is None or title_size > TITLE_MAX_BYTES:
            assert isinstance(result, SmsProblem) and result.field == "title"
            return
    assert isinstance(result, SmsText)
    assert result.text == text and result.title == title
    expected = "SMS" if title is None and size <= SMS_MAX_BYTES else "LMS"
    assert result.format == expected
    assert SmsText.from_content(result.to_content()) == result


def test_the_boundaries_in_hangul() -> None:
    assert sms_text("가" * 45) == SmsText("가" * 45, "SMS")  # 90 bytes
    assert sms_text("가" * 46) == SmsText("가" * 46, "LMS")
    assert sms_text("가" * 1000) == SmsText("가" * 1000, "LMS")  # 2,000 bytes
    assert isinstance(sms_text("가" * 1001), SmsProblem)
    assert sms_text("hi", "가" * 20) == SmsText("hi", "LMS", "가" * 20)  # a 40-byte title
    assert isinstance(sms_text("hi", "가" * 21), SmsProblem)
    assert isinstance(sms_text("😀"), SmsProblem)
