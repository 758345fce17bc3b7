"""CSV/XLSX intake and export shared by every import (projects, suggestions, roster).

An import reads the whole file, validates every row, and reports each problem as
"row N, column: reason"; the caller changes nothing unless the list of problems is empty.
Row numbers are those a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from voting.errors import Invalid

MAX_ROWS = 20_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy string shown to users and used as the export header
    aliases: tuple[str, ...] = ()  # other accepted headers (Chinese and English)
    required: bool = False
    parse: Callable[[str], Any] | None = None  # raises ValueError(user message)

    def headers(self) -> set[str]:
        return {_norm(h) for h in (self.key, str(self.label), *self.aliases)}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, %(column)s: %(message)s", row=self.row, column=self.column,
                 message=self.message)


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)  # each with "_row": its spreadsheet row
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def refuse_unless_ok(self) -> None:
        """All rows or none: a file with any problem raises ImportRefused listing every one."""
        if self.errors:
            raise ImportRefused(self.errors)


class ImportRefused(Invalid):
    """Raised by services given a file with problems; nothing was changed."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(_l("The file has %(n)s problem(s); nothing was imported.", n=len(errors)))


def _norm(header: str) -> str:
    return "".join(str(header).split()).lower().replace("（", "(").replace("）", ")")


def read_rows(filename: str, data: bytes) -> list[list[str]]:
    """All rows of a CSV (UTF-8, UTF-8 with BOM, or GB18030 as Excel saves it) or XLSX file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            # read-only sheets are parsed row by row: a damaged sheet fails here, not above
            rows = [[_xlsx_cell_text(c) for c in r] for r in wb.worksheets[0].iter_rows()]
            wb.close()
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise Invalid(_l("The file is not a readable XLSX workbook.")) from exc
        return rows
    if name.endswith(".csv") or name.endswith(".txt"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise Invalid(_l("The CSV file's text encoding is not UTF-8 or GB18030."))
        try:
            # newline="" as the csv module asks: a bare \r ends a row (old Mac files)
            return [[unquote_cell(c) for c in r]
                    for r in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:  # a cell beyond the reader's field limit
            raise Invalid(_l("The CSV file cannot be read: a cell is longer than %(n)s "
                             "characters.", n=csv.field_size_limit())) from exc
    raise Invalid(_l("Upload a .csv or .xlsx file."))


def _xlsx_cell_text(cell: Any) -> str:
    """A cell styled quote-prefix holds its text exactly; without the style, a leading `'`
    before a formula sign is the visible prefix that older exports wrote, and goes."""
    v = getattr(cell, "value", None)
    if v is None:
        return ""
    style = getattr(cell, "style_array", None)
    if isinstance(v, str) and not (style is not None and style.quotePrefix):
        return unquote_cell(v)
    return _cell_text(v)


def _cell_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return str(v)


def parse_table(raw_rows: Sequence[Sequence[str]], columns: Sequence[Column]) -> ImportResult:
    """Map headers to columns, parse and check every cell; collect every problem."""
    result = ImportResult()
    rows = [r for r in raw_rows]
    while rows and not any(str(c).strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        result.errors.append(RowError(1, _("header"), _("The file is empty.")))
        return result
    if len(rows) - 1 > MAX_ROWS:
        result.errors.append(RowError(1, _("file"), _("At most %(n)s rows per file.", n=MAX_ROWS)))
        return result
    header = [_norm(h) for h in rows[0]]
    index: dict[str, int] = {}
    for col in columns:
        names = col.headers()
        for i, h in enumerate(header):
            if h in names:
                index[col.key] = i
                break
        else:
            if col.required:
                result.errors.append(RowError(1, str(col.label), _("This column is missing.")))
    if result.errors:
        return result
    for n, raw in enumerate(rows[1:], start=2):
        if not any(str(c).strip() for c in raw):
            continue
        values: dict[str, Any] = {"_row": n}
        for col in columns:
            i = index.get(col.key)
            cell = str(raw[i]).strip() if i is not None and i < len(raw) else ""
            if not cell:
                if col.required:
                    result.errors.append(RowError(n, str(col.label), _("A value is required.")))
                values[col.key] = None
                continue
            if col.parse is None:
                values[col.key] = cell
                continue
            try:
                values[col.key] = col.parse(cell)
            except ValueError as exc:
                result.errors.append(RowError(n, str(col.label), str(exc)))
        result.rows.append(values)
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, _("file"), _("The file has a header but no rows.")))
    return result


def needs_quote(value: Any) -> bool:
    """Text a spreadsheet would run as a formula (= + - @ tab CR), or text that already looks
    like a quoted one (so that unquoting on import gives back exactly what was exported)."""
    return isinstance(value, str) and value.lstrip("'").startswith(FORMULA_PREFIXES)


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in CSV (CSV/formula injection) with a visible `'`;
    `unquote_cell` removes it again on import."""
    if needs_quote(value):
        return "'" + value
    return value


def unquote_cell(value: str) -> str:
    """The inverse of `safe_cell`: drop the one defensive `'` an export put in front."""
    if value.startswith("'") and needs_quote(value[1:]):
        return value[1:]
    return value


def export_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with BOM so that Excel opens Chinese text correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def export_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "data") -> bytes:
    """Formula-looking text is stored as text with the cell's quote-prefix style: the
    spreadsheet shows it as typed and never runs it, and no `'` enters the value."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append([_xlsx_cell(ws, h) for h in headers])
    for row in rows:
        ws.append([_xlsx_cell(ws, v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_cell(ws, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    if needs_quote(value):
        cell.quotePrefix = True
    return cell


# Parsers for common cell types; each raises ValueError with a message for the user.

def parse_decimal(cell: str):
    try:
        value = Decimal(cell.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValueError(_("“%(v)s” is not a number.", v=cell)) from None
    if not value.is_finite():
        raise ValueError(_("“%(v)s” is not a number.", v=cell))
    return value


def parse_int(cell: str) -> int:
    try:
        return int(cell)
    except ValueError:
        raise ValueError(_("“%(v)s” is not a whole number.", v=cell)) from None


def max_length(n: int) -> Callable[[str], str]:
    def parse(cell: str) -> str:
        if len(cell) > n:
            raise ValueError(_("At most %(n)s characters.", n=n))
        return cell

    return parse
