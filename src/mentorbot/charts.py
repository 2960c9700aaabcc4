"""Charts for admins: supply against demand per skill, requests and matches per week, days to match.

`chart_data` turns an `Insight` into what a chart shows (labels in the reader's language, one number per bar);
`chart_lines` says the same numbers as text (the stats reply shows them, so the picture never says more than the
words); `render_png` draws it with matplotlib, imported only here and only when a chart is drawn (start-up does
not pay for it), on the Agg backend (no display). The picture carries its own neutral background and
colour-blind-safe colours, so it reads the same in a dark or a light client theme. Every text it draws is drawn
as written: a skill label with two ``$`` ("Paid social ($ to $$$ budgets)") is no mathtext formula (`plain_text`).
"""

from __future__ import annotations

import io
import itertools
import textwrap
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from mentorbot.i18n import Translator
from mentorbot.replies import Attachment, clip
from mentorbot.skills import Taxonomy
from mentorbot.storage.insight import DAY_BUCKETS, Insight

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CHARTS: tuple[str, ...] = ("supply", "weekly", "days")
"""Every chart by name, in the order the stats reply shows them (`/mentor-admin stats chart:<name>`)."""

SKILLS_SHOWN = 12
"""How many skills the supply chart shows (the scarcest)."""
WEEKS_SHOWN = 12
ALT_LIMIT = 1000
"""Alt text is cut here: Slack takes up to 1,000 characters, Discord's attachment description 1,024."""

TITLE_CHARS = 70
"""A chart's title is wrapped at this many characters: at 13 points, well within the 800-pixel-wide figure."""

BACKGROUND = "#f6f7f9"
INK = "#1f2328"
GRID = "#d0d4da"
COLOURS = ("#0072B2", "#E69F00", "#009E73")
"""Okabe-Ito blue, orange and green: told apart with any colour vision, on the chart's own light card."""


@dataclass(frozen=True)
class ChartData:
    """One chart: its bars by category, each series with a legend label and one value per category."""

    name: str
    title: str
    x_label: str
    y_label: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]
    empty_text: str

    @property
    def filename(self) -> str:
        """The PNG's file name (``mentorbot-supply.png``)."""
        return f"mentorbot-{self.name}.png"


def week_label(start: datetime, zone: str = "UTC") -> str:
    """A week by the date it starts on in `zone`, the programme's zone its weeks are counted in (``2026-11-30``):
    a Monday 00:00 in Nairobi is Sunday 21:00 in UTC, and is labelled with the Monday."""
    return f"{start.astimezone(ZoneInfo(zone)):%Y-%m-%d}"


def day_bucket_labels() -> tuple[str, ...]:
    """The days-to-match buckets: ``<1``, ``1–2`` … ``30+``."""
    labels = [f"<{DAY_BUCKETS[0]:g}"]
    labels += [f"{low:g}–{high:g}" for low, high in itertools.pairwise(DAY_BUCKETS)]
    labels.append(f"{DAY_BUCKETS[-1]:g}+")
    return tuple(labels)


def _label(taxonomy: Taxonomy, slug: str, lang: str) -> str:
    skill = taxonomy.get(slug)
    return skill.label(lang) if skill else slug


def chart_data(name: str, insight: Insight, t: Translator, taxonomy: Taxonomy, zone: str = "UTC") -> ChartData:
    """The chart `name` (one of `CHARTS`) of `insight`, worded in `t`'s language, its weeks labelled by their
    first day in `zone` (the programme's zone, `Settings.programme_timezone`, that `insight`'s weeks start in)."""
    if name == "supply":
        shown = insight.balance[:SKILLS_SHOWN]
        return ChartData(
            name,
            t("insight.supply_title"),
            t("insight.supply_x"),
            t("insight.supply_y"),
            tuple(_label(taxonomy, b.skill, t.lang) for b in shown),
            (
                (t("insight.free_places"), tuple(b.free_places for b in shown)),
                (t("insight.waiting"), tuple(b.waiting for b in shown)),
            ),
            t("insight.supply_empty"),
        )
    if name == "weekly":
        weeks = insight.weeks[-WEEKS_SHOWN:]
        return ChartData(
            name,
            t("insight.weekly_title", weeks=len(weeks)),
            t("insight.weekly_x"),
            t("insight.weekly_y"),
            tuple(week_label(w.start, zone) for w in weeks),
            (
                (t("insight.requests"), tuple(w.requests for w in weeks)),
                (t("insight.matches"), tuple(w.matches for w in weeks)),
            ),
            t("insight.weekly_empty"),
        )
    if name == "days":
        return ChartData(
            name,
            t("insight.days_title"),
            t("insight.days_x"),
            t("insight.days_y"),
            day_bucket_labels(),
            ((t("insight.matched"), tuple(insight.days_to_match)),),
            t("insight.days_empty"),
        )
    raise ValueError(f"unknown chart {name!r}; expected one of {', '.join(CHARTS)}")


def is_empty(data: ChartData) -> bool:
    """True when the chart has nothing to show (no category, or every value 0)."""
    return not data.categories or not any(v for _, values in data.series for v in values)


def chart_lines(data: ChartData, t: Translator) -> list[str]:
    """The chart's numbers as text, one line per category (the same numbers the bars show)."""
    if is_empty(data):
        return [data.empty_text]
    return [
        t("insight.line", category=category, values=", ".join(f"{label} {values[i]}" for label, values in data.series))
        for i, category in enumerate(data.categories)
    ]


def alt_text(data: ChartData, t: Translator) -> str:
    """What the picture shows, for readers who cannot see it (Slack alt text, Discord attachment description)."""
    return clip(t("insight.alt", title=data.title) + " " + "; ".join(chart_lines(data, t)), ALT_LIMIT)


def draw(data: ChartData) -> Figure:
    """The chart as a matplotlib figure (Agg): grouped bars, one colour per series, values on the bars."""
    # Imported here: matplotlib costs start-up time, paid only when a chart is drawn. Agg draws without a display.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    horizontal = data.name == "supply"
    figure = Figure(figsize=(8, 4.8), dpi=100, facecolor=BACKGROUND, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_facecolor(BACKGROUND)
    # The figure's title, not the axes': long skill labels (Swahili's) push the axes right, and a title aligned
    # with them ran off the picture. Wrapped, so that a long title stays within the figure's width too.
    figure.suptitle(textwrap.fill(data.title, TITLE_CHARS), x=0.01, ha="left", color=INK, fontsize=13, parse_math=False)
    for spine in axes.spines.values():
        spine.set_color(GRID)
    axes.tick_params(colors=INK, labelsize=9)
    if is_empty(data):
        axes.text(
            0.5, 0.5, data.empty_text, ha="center", va="center", color=INK, transform=axes.transAxes, parse_math=False
        )
        axes.set_xticks([])
        axes.set_yticks([])
        return plain_text(figure)
    count = len(data.series)
    width = 0.8 / count
    positions = list(range(len(data.categories)))
    for index, (label, values) in enumerate(data.series):
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        colour = COLOURS[index % len(COLOURS)]
        bars: Any
        if horizontal:
            bars = axes.barh(offsets, values, height=width, label=label, color=colour)
        else:
            bars = axes.bar(offsets, values, width=width, label=label, color=colour)
        axes.bar_label(bars, padding=2, color=INK, fontsize=8, parse_math=False)
    value_axis = axes.xaxis if horizontal else axes.yaxis
    value_axis.set_major_locator(MaxNLocator(integer=True))  # counts: no half a request
    if horizontal:
        axes.set_yticks(positions, data.categories, parse_math=False)
        axes.invert_yaxis()  # scarcest on top
        axes.set_xlabel(data.y_label, color=INK, parse_math=False)
        axes.set_ylabel(data.x_label, color=INK, parse_math=False)
        axes.grid(axis="x", color=GRID, linewidth=0.6)
    else:
        rotation = 45 if len(positions) > 8 else 0
        axes.set_xticks(positions, data.categories, rotation=rotation, ha="right", parse_math=False)
        axes.set_xlabel(data.x_label, color=INK, parse_math=False)
        axes.set_ylabel(data.y_label, color=INK, parse_math=False)
        axes.grid(axis="y", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    if count > 1:
        axes.legend(facecolor=BACKGROUND, edgecolor=GRID, labelcolor=INK, fontsize=9)
    return plain_text(figure)


def plain_text(figure: Figure) -> Figure:
    """`figure` with every text in it drawn as written (``parse_math`` off: tick labels, titles, legend entries,
    the values on the bars). By default matplotlib reads a text between two ``$`` as a mathtext formula: a skill
    label "Paid social ($ to $$$ budgets)" raised ValueError (the stats reply was lost, the digest failed every
    week) and "Ads: $5 vs $50" lost its dollars. The calls above ask for it where they can; the legend cannot be
    asked, and this sweep over the figure's texts catches each one made since."""
    from matplotlib.text import Text

    for text in figure.findobj(Text):
        if isinstance(text, Text):
            text.set_parse_math(False)
    return figure


def render_png(data: ChartData) -> bytes:
    """The chart as PNG bytes."""
    buffer = io.BytesIO()
    draw(data).savefig(buffer, format="png", facecolor=BACKGROUND)
    return buffer.getvalue()


def attachment(data: ChartData, t: Translator) -> Attachment:
    """The chart as a PNG attachment with its alt text."""
    return Attachment(data.filename, render_png(data), "image/png", description=alt_text(data, t))
