"""A campaign's recipients from a table's rows (domain/recipients.py): the number column and variables guessed from
the header, numbers read as people type them, and every row either a recipient or a problem, never both or neither."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kakao_gateway.domain.recipients import guess_destination, guess_variables, recipients
from kakao_gateway.domain.templates import alim_content, placeholders


def test_the_header_says_which_column_is_which() -> None:
    assert guess_destination(["이름", "휴대폰 번호", "주문"]) == 1, "spaces do not count"
    assert guess_destination(["이름", "휴대폰번호", "주문"]) == 1
    assert guess_destination(["Name", " Phone ", "x"]) == 1
    assert guess_destination(["a", "b"]) is None
    assert guess_variables(["to", "#{name}", "Order"], ["name", "order", "missing"]) == {"name": 1, "order": 2}


def test_each_row_is_a_recipient_or_a_problem() -> None:
    rows = [
        ["010-1234-5678", "지민"],
        ["1012345679", "서준"],  # Excel dropped the leading 0
        ["+82 10-1234-5670", "하윤"],
        ["", ""],  # blank: skipped
        ["12345", "도윤"],
        ["01012345671", ""],
    ]
    found, problems = recipients(rows, 0, {"name": 1})
    assert [(r.row, r.to, r.values) for r in found] == [
        (2, "821012345678", {"name": "지민"}),
        (3, "821012345679", {"name": "서준"}),
        (4, "821012345670", {"name": "하윤"}),
    ]
    assert [(p.row, p.problem) for p in problems] == [
        (6, "'12345' is no phone number we send to"),
        (7, "no value for name"),
    ]


@given(st.lists(st.lists(st.text(max_size=12), min_size=0, max_size=3), max_size=30))
def test_no_row_is_lost_or_counted_twice(rows: list[list[str]]) -> None:
    found, problems = recipients(rows, 0, {"v": 2})
    numbers = [r.row for r in found] + [p.row for p in problems]
    blank = {n for n, cells in enumerate(rows, start=2) if not any(c.strip() for c in cells)}
    assert sorted(numbers) == sorted(set(range(2, len(rows) + 2)) - blank)


def test_a_templates_content_is_filled() -> None:
    template = {
        "templateCode": "T1",
        "text": "#{name}님, 주문 #{order}",
        "title": "#{order} 발송",
        "buttons": [{"type": "URL", "name": "조회", "urlMobile": "https://shop.example.com/#{order}"}],
    }
    assert placeholders(template) == ["name", "order"]
    assert alim_content(template, {"name": "지민", "order": "A-1"}) == {
        "type": "TEMPLATE",
        "templateCode": "T1",
        "text": "지민님, 주문 A-1",
        "title": "A-1 발송",
        "buttons": [{"type": "URL", "name": "조회", "urlMobile": "https://shop.example.com/A-1"}],
    }
