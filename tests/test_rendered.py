"""The chart record: its PNG survives every way of showing it, its texts are escaped, its size prints true."""

from __future__ import annotations

import base64
import dataclasses
from html.parser import HTMLParser

import pytest

from wholecomm_kit.rendered import Chart

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))  # not a real image: the record only carries the bytes


class ImageTags(HTMLParser):
    """Collects the attributes of every ``<img>``, decoded as a browser would read them."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.other_tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))
        else:
            self.other_tags.append(tag)


def images_in(markup: str) -> ImageTags:
    """The ``<img>`` elements of ``markup`` as a browser parses them (so escaping is checked, not its spelling)."""
    parser = ImageTags()
    parser.feed(markup)
    parser.close()
    return parser


def chart(**changes: object) -> Chart:
    """A chart record where only what a test is about needs saying."""
    values: dict[str, object] = {"png": PNG, "alt": "Index 50", "title": "Overview", "width": 715, "height": 166}
    values.update(changes)
    return Chart(**values)  # type: ignore[arg-type]


def decoded(uri: str) -> bytes:
    """The bytes a browser would take from a PNG ``data:`` URI."""
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    return base64.b64decode(uri.removeprefix(prefix), validate=True)


def test_a_chart_is_a_filled_chart_drawn_for_110_dpi_unless_told_otherwise() -> None:
    """Charts drawn before dpi and ``empty`` existed, and every chart with data, need not say so."""
    plain = chart()
    assert plain.empty is False
    assert plain.dpi == 110.0


def test_a_chart_cannot_be_changed_once_made() -> None:
    """Charts are shared between sections and processes, so nobody may alter one in place."""
    made = chart()
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.alt = "something else"  # type: ignore[misc]


def test_charts_with_the_same_contents_are_equal() -> None:
    """A chart loaded back from disk must compare equal to the one that was drawn."""
    assert chart() == chart(png=bytes(PNG))
    assert chart() != chart(png=PNG + b"\x00")
    assert chart() != chart(alt="Index 51")


def test_the_data_uri_carries_the_png_byte_for_byte() -> None:
    """Self-contained HTML embeds the image, so nothing may be lost in the encoding."""
    assert decoded(chart().data_uri()) == PNG
    assert decoded(chart(png=b"").data_uri()) == b""


def test_the_img_element_shows_the_png_with_its_alt_text_title_and_pixel_size() -> None:
    """Notebooks and handouts show exactly this element; screen readers read its alt text."""
    made = chart(width=640, height=480)
    found = images_in(made.html())
    assert found.other_tags == []
    assert len(found.images) == 1
    image = found.images[0]
    assert decoded(image["src"] or "") == PNG
    assert image["alt"] == "Index 50"
    assert image["title"] == "Overview"
    assert image["width"] == "640"
    assert image["height"] == "480"


@pytest.mark.parametrize(
    "text",
    [
        '"><script>alert(1)</script>',
        "Politik & Verwaltung <> Zivilgesellschaft",
        'It\'s "disputed" – 3 < 4',
        "Ümlaute, emoji 🚌 and a\nnew line",
    ],
)
def test_alt_text_and_title_are_escaped_so_they_read_back_unchanged(text: str) -> None:
    """Alt texts and titles hold field names and numbers; none of it may become markup or end the attribute."""
    markup = chart(alt=text, title=f"Title: {text}").html()
    assert "<script" not in markup
    found = images_in(markup)
    assert found.other_tags == []
    assert len(found.images) == 1
    assert found.images[0]["alt"] == text
    assert found.images[0]["title"] == f"Title: {text}"


def test_jupyter_shows_the_same_img_element_and_the_same_png() -> None:
    """Jupyter's rich display protocol must show what html() and png say, not something else."""
    made = chart(alt="a & b")
    assert made._repr_html_() == made.html()
    assert made._repr_png_() == PNG


@pytest.mark.parametrize(
    ("width", "height", "dpi", "expected"),
    [
        (715, 166, 110.0, (624, 145)),  # 624.0 and 144.87: the handout's field index chart
        (715, 663, 110.0, (624, 579)),  # 578.6 rounds up
        (300, 200, 96.0, (300, 200)),  # at 96 dpi a pixel is a CSS pixel
        (400, 300, 192.0, (200, 150)),  # drawn at twice the resolution: half as many CSS pixels
        (100, 50, 48.0, (200, 100)),
        (110, 220, 110.0, (96, 192)),  # one and two inches
    ],
)
def test_the_css_size_prints_the_chart_at_the_size_it_was_designed_for(
    width: int, height: int, dpi: float, expected: tuple[int, int]
) -> None:
    """CSS pixels are 1/96 inch, so a chart drawn for ``dpi`` pixels per inch is ``pixels * 96 / dpi`` wide."""
    assert chart(width=width, height=height, dpi=dpi).css_size == expected


def test_the_css_size_does_not_change_the_pixel_size_of_the_img_element() -> None:
    """html() states the PNG's own pixel size; only the handout scales it to print size."""
    found = images_in(chart(width=715, height=166, dpi=55.0).html()).images[0]
    assert (found["width"], found["height"]) == ("715", "166")
