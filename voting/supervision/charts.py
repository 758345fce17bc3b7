"""Server-rendered SVG charts of the public pages: no script, no chart service, no CDN, so they
print and pass the strict CSP. Each `Chart` carries its numbers as well (`head`, `rows`), which
templates/supervision/_chart.html shows as a visible table beside the drawing, and its SVG is
`role="img"` with a <title> and a <desc> that read the same numbers out.

Colours come from classes (voting/static/css/supervision-public.css), never inline styles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from markupsafe import Markup, escape

from voting.supervision import rules

WIDTH = 600
BAR_AREA = 470  # the bars' full length; the value is written after them
ROW = 56  # a horizontal bar row: its label line, then the bar


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    svg: Markup
    head: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(chart_id: str, title: str, desc: str, height: int, body: str, css: str) -> Markup:
    return Markup(
        f'<svg class="chart {css}" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{escape(chart_id)}-title '
        f'{escape(chart_id)}-desc" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>{body}</svg>')


def _short(label: str, n: int = 28) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def _pct_text(value: Decimal | str | None, none_text: str) -> str:
    """A completion as text; a str stands for itself (e.g. "8 个，无目标值")."""
    if isinstance(value, str):
        return value
    return none_text if value is None else rules.percent(value) + "\u00a0%"


def completion_bars(chart_id: str, title: str,
                    items: list[tuple[str, Decimal | str | None]], *,
                    none_text: str = "—", head: tuple[str, str] = ("", "")) -> Chart:
    """Horizontal bars of completions in percent (projects of a year, targets of a project):
    the scale reaches 100 % or the largest value, a dashed line marks 100 %. A value given as
    text draws no bar and shows that text (a figure without a target to compare with)."""
    items = [(label, value) for label, value in items]
    top = max([Decimal(100)] + [v for _, v in items if isinstance(v, Decimal)])
    height = max(ROW, ROW * len(items) + 8)
    parts = []
    for i, (label, value) in enumerate(items):
        y = i * ROW
        parts.append(f'<text class="chart-label" x="0" y="{y + 20}">{escape(_short(label))}</text>')
        parts.append(f'<rect class="chart-track" x="0" y="{y + 28}" width="{BAR_AREA}" '
                     f'height="16" rx="2"></rect>')
        if isinstance(value, Decimal):
            w = float(value) / float(top) * BAR_AREA
            css = "chart-bar over" if value >= rules.HUNDRED else "chart-bar"
            parts.append(f'<rect class="{css}" x="0" y="{y + 28}" width="{_num(w)}" '
                         f'height="16" rx="2"></rect>')
        parts.append(f'<text class="chart-value" x="{BAR_AREA + 8}" y="{y + 42}">'
                     f'{escape(_pct_text(value, none_text))}</text>')
    x100 = _num(100 / float(top) * BAR_AREA)
    parts.append(f'<line class="chart-goal" x1="{x100}" x2="{x100}" y1="24" '
                 f'y2="{height}"></line>')
    desc = "；".join(f"{label}: {_pct_text(value, none_text)}" for label, value in items)
    rows = [[label, _pct_text(value, none_text)] for label, value in items]
    return Chart(chart_id, title, desc, _svg(chart_id, title, desc, height, "".join(parts),
                                             "chart-hbars"), list(head), rows)


def count_bars(chart_id: str, title: str, items: list[tuple[str, int, str]], *,
               head: tuple[str, str] = ("", "")) -> Chart:
    """Horizontal bars of counts (projects per status); each item (label, count, css class)."""
    top = max([1] + [n for _, n, _ in items])
    height = max(ROW, ROW * len(items) + 8)
    parts = []
    for i, (label, n, css) in enumerate(items):
        y = i * ROW
        parts.append(f'<text class="chart-label" x="0" y="{y + 20}">{escape(_short(label))}</text>')
        parts.append(f'<rect class="chart-track" x="0" y="{y + 28}" width="{BAR_AREA}" '
                     f'height="16" rx="2"></rect>')
        if n:
            parts.append(f'<rect class="chart-bar {escape(css)}" x="0" y="{y + 28}" '
                         f'width="{_num(n / top * BAR_AREA)}" height="16" rx="2"></rect>')
        parts.append(f'<text class="chart-value" x="{BAR_AREA + 8}" y="{y + 42}">{n}</text>')
    desc = "；".join(f"{label}: {n}" for label, n, _ in items)
    rows = [[label, str(n)] for label, n, _ in items]
    return Chart(chart_id, title, desc, _svg(chart_id, title, desc, height, "".join(parts),
                                             "chart-hbars"), list(head), rows)


def progress_columns(chart_id: str, title: str, periods: list[str],
                     points: dict[str, tuple[Decimal | None, Decimal | None]], unit: str, *,
                     none_text: str = "—", no_target_text: str | None = None,
                     head: tuple[str, str, str] = ("", "", "")) -> Chart:
    """One target's completion per reporting period as columns (a period without a report
    stays empty), with the 100 % line: the target's timeline. `points` maps a period to
    (achieved to date, completion); a period with a figure but no completion (the target
    has no value to compare with) says `no_target_text`, not that nothing was reported."""
    values = [points[p][1] for p in periods if p in points and points[p][1] is not None]
    top = max([Decimal(100)] + values)
    plot_h, base_y, left = 160, 180, 44
    n = max(1, len(periods))
    slot = (WIDTH - left) / n
    bar_w = min(48.0, slot * 0.6)
    parts = [f'<line class="chart-axis" x1="{left}" x2="{WIDTH}" y1="{base_y}" y2="{base_y}">'
             '</line>']
    y100 = base_y - 100 / float(top) * plot_h
    parts.append(f'<line class="chart-goal" x1="{left}" x2="{WIDTH}" y1="{_num(y100)}" '
                 f'y2="{_num(y100)}"></line>')
    parts.append(f'<text class="chart-tick" x="0" y="{_num(y100 + 4)}">100%</text>')
    parts.append(f'<text class="chart-tick" x="0" y="{base_y + 4}">0</text>')
    for i, period in enumerate(periods):
        x = left + i * slot + (slot - bar_w) / 2
        got, done = points.get(period, (None, None))
        if done is not None:
            h = float(done) / float(top) * plot_h
            css = "chart-bar over" if done >= rules.HUNDRED else "chart-bar"
            parts.append(f'<rect class="{css}" x="{_num(x)}" y="{_num(base_y - h)}" '
                         f'width="{_num(bar_w)}" height="{_num(h)}"></rect>')
            parts.append(f'<text class="chart-value small" x="{_num(x + bar_w / 2)}" '
                         f'y="{_num(base_y - h - 4)}" text-anchor="middle">'
                         f'{escape(rules.percent(done))}</text>')
        tick = period.split("-", 1)[1] if "-" in period else period
        parts.append(f'<text class="chart-tick" x="{_num(x + bar_w / 2)}" y="{base_y + 18}" '
                     f'text-anchor="middle">{escape(tick)}</text>')
    rows = []
    for period in periods:
        got, done = points.get(period, (None, None))
        done_text = (no_target_text if got is not None and done is None and no_target_text
                     else _pct_text(done, none_text))
        rows.append([period, none_text if got is None else f"{rules.text(got)} {unit}",
                     done_text])
    desc = "；".join(f"{r[0]}: {r[1]}, {r[2]}" for r in rows)
    return Chart(chart_id, title, desc, _svg(chart_id, title, desc, base_y + 28,
                                             "".join(parts), "chart-columns"), list(head), rows)
