"""The deputy's pages: their polls, and the ballot page.

The pages only show; the vote itself runs in the browser (static/js/vote.js): it blinds a
token, has it signed through POST /api/v1/polls/{id}/tokens and casts it anonymously through
POST /api/v1/polls/{id}/ballots (PROTOCOL.md). The server never learns which ballot is whose.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import abort, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from voting import db
from voting.auth.access import role_required
from voting.auth.models import Role
from voting.ballots.models import Poll, PollCandidate, TokenIssuance
from voting.ballots.routes import bp
from voting.pool.models import Project
from voting.sessions.models import CongressSession, Deputy
from voting.sessions.services import deputy_of_user, is_checked_in

DEPUTY = Role.DEPUTY.value


@dataclass(frozen=True)
class PollEntry:
    poll: Poll
    checked_in: bool
    token_issued: bool


def device_scope(user_id: int) -> str:
    """Names this user's saved ballots in the browser's storage, so that on a shared tablet
    one deputy's saved token or receipt is never offered to the next. Keyed with the app's
    secret: the name alone does not say whose it is."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"ballot-device:{user_id}".encode(), hashlib.sha256).hexdigest()[:20]


def _polls_of_deputy(s: Session, deputy: Deputy) -> list[PollEntry]:
    """The polls of the deputy's congress that have been opened, latest first."""
    polls = s.scalars(select(Poll).join(CongressSession, CongressSession.id == Poll.session_id)
                      .where(CongressSession.congress_id == deputy.congress_id,
                             Poll.status != "draft")
                      .order_by(CongressSession.year.desc(), Poll.id.desc())).all()
    issued = set(s.scalars(select(TokenIssuance.poll_id)
                           .where(TokenIssuance.deputy_id == deputy.id)))
    return [PollEntry(p, is_checked_in(s, p.session_id, deputy.id), p.id in issued)
            for p in polls]


def _deputy_poll(s: Session, deputy: Deputy | None, poll_id: int) -> Poll:
    """A poll the deputy may see: of their congress, and opened (drafts are not shown)."""
    poll = s.get(Poll, poll_id)
    if poll is None or deputy is None or poll.status == "draft":
        abort(404)
    if s.get(CongressSession, poll.session_id).congress_id != deputy.congress_id:
        abort(404)
    return poll


def _candidates(s: Session, poll: Poll) -> list[tuple[PollCandidate, Project | None]]:
    """Each candidate in ballot order with its project (content, targets, cost, units)."""
    ids = [c.project_id for c in poll.candidates if c.project_id is not None]
    projects = {p.id: p for p in s.scalars(select(Project).where(Project.id.in_(ids))
                                           .options(selectinload(Project.targets)))}
    return [(c, projects.get(c.project_id)) for c in poll.candidates]


def _messages(poll: Poll) -> dict[str, str]:
    """The script's words, translated here: vote.js holds no text of its own."""
    selection = poll.kind == "selection"
    return {
        "counter": _("Selected {n} / at most {max}") if selection
        else _("For {n} / at most {max}"),
        "limit": _("You can choose at most {max}. Clear one before choosing another.")
        if selection else _("You can vote for at most {max}. Change one to against or "
                            "abstain first."),
        "unsupported": _("This browser cannot prepare a secret ballot here: it needs a secure "
                         "(https) connection and a current browser. Ask the secretariat for "
                         "help."),
        "preparing": _("Preparing your ballot token…"),
        "ready": _("Your ballot token is ready. Make your choices."),
        "token_refused": _("The ballot token could not be issued: {reason}"),
        "token_bad": _("The server's signature on your token does not verify. Do not vote "
                       "on this device; tell the secretariat."),
        "token_elsewhere": _("If you fetched your token on another device, vote on that "
                             "device."),
        "signed_out": _("Your sign-in has expired. Sign in again and reopen this page: "
                        "nothing is lost."),
        "network": _("The connection failed. Check the network and try again: nothing is "
                     "lost."),
        "waiting_token": _("Waiting for your ballot token…"),
        "sending": _("Casting your ballot…"),
        "cast_rejected": _("The ballot was not accepted: {reason} Correct your choices and "
                           "cast again."),
        "cast_refused": _("The ballot was refused: {reason}"),
        "closed": _("The poll has closed. If you cast your ballot, look for your receipt on "
                    "the public board. Your token on the board: {msg}"),
        "token_spent": _("This token was already used for a different ballot."),
        "cast_done": _("Your ballot has been cast and recorded."),
        "review_mark": _("{title}: {mark}"),
        "abstain_all": _("Abstain: choose none of the projects"),
        "for": _("For"),
        "against": _("Against"),
        "abstain": _("Abstain"),
        "copied": _("Receipt copied."),
        "voted_here": _("Voted on this device"),
    }


@bp.get("/my/polls")
@role_required(DEPUTY)
def my_polls():
    s = db.session()
    deputy = deputy_of_user(s, current_user.id)
    entries = _polls_of_deputy(s, deputy) if deputy is not None else []
    return render_template("ballots/my_polls.html", deputy=deputy, entries=entries,
                           scope=device_scope(current_user.id),
                           messages={"voted_here": _("Voted on this device")})


@bp.get("/my/polls/<int:poll_id>")
@role_required(DEPUTY)
def vote(poll_id: int):
    s = db.session()
    deputy = deputy_of_user(s, current_user.id)
    poll = _deputy_poll(s, deputy, poll_id)
    checked_in = is_checked_in(s, poll.session_id, deputy.id)
    config = {
        "pollId": poll.id,
        "kind": poll.kind,
        "status": poll.status,
        "maxChoices": poll.max_choices,
        "canVote": poll.status == "open" and checked_in,
        "publicKeyPem": poll.public_key_pem,
        "fingerprint": poll.key_fingerprint,
        "storageKey": f"ballot:{device_scope(current_user.id)}:{poll.id}:"
                      f"{poll.key_fingerprint[:16]}",
        "castDelayMaxMs": int(current_app.config.get("CAST_DELAY_MAX_MS", 0)),
        "pollUrl": f"/api/v1/polls/{poll.id}",
        "tokenUrl": f"/api/v1/polls/{poll.id}/tokens",
        "castUrl": f"/api/v1/polls/{poll.id}/ballots",
        "loginUrl": url_for("auth.login", next=url_for(".vote", poll_id=poll.id)),
        "messages": _messages(poll),
    }
    return render_template("ballots/vote.html", poll=poll, deputy=deputy,
                           congress_session=s.get(CongressSession, poll.session_id),
                           checked_in=checked_in, candidates=_candidates(s, poll),
                           vote_config=config, board_url=url_for(".board", poll_id=poll.id))
