"""Translations: English msgids, zh_CN the default locale, one catalog per domain.

Each domain keeps `voting/<domain>/translations/zh/LC_MESSAGES/messages.po` (and the compiled
.mo beside it); Flask-Babel merges the catalogs of every directory. Shared strings (base
layout, errors) live in `voting/translations`. The directory is `zh`, not `zh_CN`: Babel
resolves zh_CN to zh_Hans_CN, and gettext then looks for zh_Hans_CN or zh.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

PACKAGE_DIR = Path(__file__).resolve().parent


def catalog_dirs() -> list[Path]:
    return sorted(p for p in PACKAGE_DIR.glob("**/translations") if p.is_dir())


CHINESE_DIR = "zh"


def po_files() -> list[Path]:
    return sorted(p for d in catalog_dirs() for p in d.glob("*/LC_MESSAGES/messages.po"))


def _normalise_dirs() -> None:
    """Move a catalog written under zh_CN/ to zh/, where gettext finds it."""
    for d in catalog_dirs():
        if (d / "zh_CN").is_dir() and not (d / CHINESE_DIR).exists():
            (d / "zh_CN").rename(d / CHINESE_DIR)
            click.echo(f"moved {d / 'zh_CN'} to {d / CHINESE_DIR}")


def compile_catalog(po_path: Path) -> Path:
    with po_path.open("rb") as f:
        catalog = read_po(f, locale=po_path.parents[1].name)
    mo_path = po_path.with_suffix(".mo")
    with mo_path.open("wb") as f:
        write_mo(f, catalog, use_fuzzy=False)
    return mo_path


KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2)}
METHOD_MAP = [("voting/**.py", "python"), ("templates/**.html", "jinja2")]


def extract_messages() -> dict[str, set[str]]:
    """Every msgid in the code and templates, with the files it appears in."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, set[str]] = {}
    root = PACKAGE_DIR.parent
    for filename, _lineno, message, _comments, _ctx in extract_from_dir(
            str(root), METHOD_MAP, keywords=KEYWORDS,
            options_map={"templates/**.html": {"extensions": "jinja2.ext.do"}}):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.setdefault(msgid, set()).add(filename)
    return found


def translated(locale: str = CHINESE_DIR) -> dict[str, str]:
    """msgid -> translation over every domain's catalog for `locale` (empty ones left out)."""
    result: dict[str, str] = {}
    for po in po_files():
        if po.parents[1].name != locale:
            continue
        with po.open("rb") as f:
            for message in read_po(f, locale=locale):
                text = message.string[0] if isinstance(message.string, tuple) else message.string
                if message.id and text:
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    result[key] = text
    return result


# ---- times: one zone for every page, always named -----------------------------------------

ZONE_NAMES = {"Asia/Shanghai": _l("Beijing time")}


def display_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _as_datetime(value: datetime | str) -> datetime:
    """Stored times are aware UTC; documents carry them as ISO strings ending in Z."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def local_time_text(value: datetime | str | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A time in the configured zone, with the zone's name: "2023-01-12 09:30（北京时间）"."""
    if value is None or value == "":
        return ""
    zone = display_zone()
    text = format_datetime(_as_datetime(value), fmt, tzinfo=zone, locale=get_locale() or "zh_CN")
    name = ZONE_NAMES.get(zone.key, zone.key)
    return _("%(time)s (%(zone)s)", time=text, zone=name)


def localtime_filter(value: datetime | str | None, fmt: str = "yyyy-MM-dd HH:mm") -> Markup:
    """`{{ t|localtime }}`: a <time> element whose text is `local_time_text`; the one way a
    page shows a time, so that no page shows UTC or an unnamed zone."""
    if value is None or value == "":
        return Markup("")
    moment = _as_datetime(value).astimezone(display_zone())
    return Markup('<time datetime="%s">%s</time>') % (
        moment.isoformat(timespec="seconds"), escape(local_time_text(value, fmt)))


def localdate_filter(value: datetime | date | str | None) -> str:
    """`{{ t|localdate }}`: the calendar date of a moment in the configured zone (a date
    needs no zone name; a plain date is shown as it is)."""
    if value is None or value == "":
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return _as_datetime(value).astimezone(display_zone()).date().isoformat()


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in catalog_dirs())
    app.add_template_filter(localtime_filter, "localtime")
    app.add_template_filter(localdate_filter, "localdate")
    app.cli.add_command(i18n_cli)


i18n_cli = AppGroup("i18n", help="Translation catalogs.")


@i18n_cli.command("compile")
def compile_command():
    """Compile every domain's .po catalog to .mo."""
    _normalise_dirs()
    for po in po_files():
        click.echo(compile_catalog(po).relative_to(PACKAGE_DIR.parent))


@i18n_cli.command("missing")
def missing_command():
    """Print, as .po entries to fill in, every msgid without a zh_CN translation."""
    _normalise_dirs()
    done = translated()
    for msgid, files in sorted(extract_messages().items()):
        if msgid not in done:
            click.echo(f"#: {', '.join(sorted(files))}")
            click.echo(f"msgid {_po_quote(msgid)}\nmsgstr \"\"\n")


def _po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
