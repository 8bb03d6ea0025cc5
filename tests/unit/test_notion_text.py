"""A notes line as Notion rich text (chalicelib/integrations/notion_wire.py): Notion, a
JavaScript service, counts a text item's 2,000 characters and a link's 2,000 in UTF-16
code units, so an emoji counts 2; a run is cut within that, never inside a character."""

from __future__ import annotations

from chalicelib.integrations import notion_wire as wire


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_a_long_answer_with_emoji_is_cut_within_2000_units_never_inside_one() -> None:
    line = "What do you want to cover?: " + "\N{GRINNING FACE}" * 3 + "x" * 2500 + "\N{ROCKET}"

    items = wire.text(line)

    assert all(units(item["text"]["content"]) <= 2000 for item in items)
    assert "".join(item["text"]["content"] for item in items) == line
    assert units(items[0]["text"]["content"]) in (1999, 2000)


def test_a_link_longer_than_notion_takes_stays_text_and_a_short_one_is_a_link() -> None:
    long_url = "https://example.com/?q=" + "a" * 2100
    line = f"Links: {long_url} and https://example.com/brief"

    items = wire.text(line)

    links = [item["text"]["link"]["url"] for item in items if "link" in item["text"]]
    assert links == ["https://example.com/brief"]
    assert "".join(item["text"]["content"] for item in items) == line


def test_an_answer_of_more_links_than_notion_takes_in_one_value_keeps_all_its_text() -> None:
    # A client pastes 300 links (4,500 characters: a long-text answer may hold 5,000).
    # Each link is its own rich-text item, and Notion takes at most 100 in one value.
    line = "Portfolio: " + " ".join(f"https://e.co/{n:03}" for n in range(300))

    items = wire.text(line)

    assert len(items) <= 100
    assert all(units(item["text"]["content"]) <= 2000 for item in items)
    assert "".join(item["text"]["content"] for item in items) == line  # nothing cut off
    links = [item["text"]["link"]["url"] for item in items if "link" in item["text"]]
    assert links[:3] == ["https://e.co/000", "https://e.co/001", "https://e.co/002"]
