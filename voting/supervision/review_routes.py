"""The mid-year review and the year-end report of a year, as pages (printable) and as PDF.
Public and read-only: thin views over `review`."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from voting import db
from voting.core.years import year_in_range
from voting.errors import NotFound
from voting.pool import projects as projects_svc
from voting.supervision import charts, pdf, progress, review
from voting.supervision.public_routes import status_chart
from voting.supervision.blueprint import bp

TEMPLATES = {review.MIDYEAR: "supervision/midyear.html", review.YEAREND: "supervision/yearend.html"}
PAGES = {review.MIDYEAR: "supervision.midyear", review.YEAREND: "supervision.year_report"}
PDFS = {review.MIDYEAR: "supervision.midyear_pdf", review.YEAREND: "supervision.year_report_pdf"}


def _review(year: int, edition: str) -> review.Review:
    if not year_in_range(year) or year not in projects_svc.years(db.session()):
        raise NotFound(_("No such year."))
    today = progress.local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return review.build_review(db.session(), year, edition, today=today)


def _charts(data: review.Review) -> list[charts.Chart]:
    if not data.rows:
        return []
    css = {"in_use": "status-completed", "partly_in_use": "status-partly_completed",
           "under_way": "", None: "status-none"}
    delivery = charts.count_bars(
        "delivery-chart", _("Projects by what is delivered"),
        [(str(review.DELIVERY_LABELS[k]), n, css[k]) for k, n in data.delivery.items()],
        head=(_("Delivered"), _("Projects")))
    return [delivery, status_chart("status-chart", data.statuses)]


def _page(year: int, edition: str):
    data = _review(year, edition)
    other = review.YEAREND if edition == review.MIDYEAR else review.MIDYEAR
    return render_template(
        TEMPLATES[edition], review=data, labels=review.DELIVERY_LABELS, charts=_charts(data),
        pdf_ready=pdf.available(), pdf_endpoint=PDFS[edition], other_endpoint=PAGES[other],
        other_label=_("Year-end report") if other == review.YEAREND else _("Mid-year review"))


def _pdf(year: int, edition: str):
    data = _review(year, edition)
    html = render_template("supervision/_review_pdf.html", review=data,
                           labels=review.DELIVERY_LABELS, charts=_charts(data), pdf=True)
    try:
        body = pdf.render(html, base_url=request.url_root,
                          static_folder=current_app.static_folder,
                          static_url_path=current_app.static_url_path)
    except pdf.PdfUnavailable:
        flash(_("The PDF cannot be made on this server; use the Print button and choose "
                "“Save as PDF”."), "warning")
        return redirect(url_for(PAGES[edition], year=year))
    name = f"{year}-{'midyear' if edition == review.MIDYEAR else 'year-end'}.pdf"
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/years/<int:year>/midyear")
def midyear(year: int):
    return _page(year, review.MIDYEAR)


@bp.get("/years/<int:year>/report")
def year_report(year: int):
    return _page(year, review.YEAREND)


@bp.get("/years/<int:year>/midyear.pdf")
def midyear_pdf(year: int):
    return _pdf(year, review.MIDYEAR)


@bp.get("/years/<int:year>/report.pdf")
def year_report_pdf(year: int):
    return _pdf(year, review.YEAREND)
