"""The deputy's pages: their polls, and the ballot page.

The pages only show; the vote itself runs in the browser (static/js/vote.js): it blinds a
token, has it signed through POST /api/v1/polls/{id}/tokens and casts it anonymously through
POST /api/v1/polls/{id}/ballots (docs/protocol.md). The server never learns which ballot is whose.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import abort, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from voting import db
from voting.auth.access import role_required
from voting.auth.models import Role
from voting.ballots import kinds
from voting.ballots.models import Poll, PollCandidate, TokenIssuance
from voting.ballots.blueprint import bp
from voting.pool.models import Project
from voting.sessions.models import CongressSession, Deputy
from voting.sessions.attendance import deputy_of_user, is_checked_in

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


def storage_key(user_id: int, poll: Poll) -> str:
    """Where this device keeps the deputy's token for the poll: the same key on every page
    (static/js/token.js), tied to the poll's key so that a new key never reuses a token."""
    return f"ballot:{device_scope(user_id)}:{poll.id}:{poll.key_fingerprint[:16]}"


def watch_config() -> dict:
    """How often an open page asks whether a poll has opened: at random within this range,
    so that the deputies' token requests do not arrive in step."""
    return {"statusUrl": url_for("ballots.my_polls_status"),
            "watchMinMs": int(current_app.config.get("TOKEN_WATCH_MIN_MS", 10_000)),
            "watchMaxMs": int(current_app.config.get("TOKEN_WATCH_MAX_MS", 20_000))}


def watch_messages() -> dict[str, str]:
    """The words of the pages that fetch the token ahead (token.js holds none)."""
    return {
        "ready": _("Voting on “{title}” is open. Your ballot token is ready on this device."),
        "elsewhere": _("Voting on “{title}” is open. Your ballot token was issued on another "
                       "device: open the ballot there, or open it here and enter the ballot "
                       "code from that device."),
        "failed": _("Voting on “{title}” is open, but the ballot token could not be fetched "
                    "yet: open the ballot to try again."),
        "cast": _("Your ballot on “{title}” has been cast."),
        "open_ballot": _("Open the ballot"),
    }


@bp.app_template_global()
def deputy_token_watch() -> dict:
    """For pages of other domains that fetch the token ahead (the session page's slot)."""
    return {**watch_config(), "messages": watch_messages()}


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


@bp.app_template_global("ballot_kind")
def _ballot_kind(name: str) -> kinds.Kind:
    """Templates (and macros imported without context) ask a poll's kind for its partial:
    `ballot_kind(poll.kind).template`."""
    return kinds.get(name)


def _messages(poll: Poll) -> dict[str, str]:
    """The script's words, translated here: vote.js holds no text of its own. The kind
    gives its own (counter, limit, the names of its marks)."""
    return {
        "unsupported": _("This browser cannot prepare a secret ballot here: it needs a secure "
                         "(https) connection and a current browser. Ask the secretariat for "
                         "help."),
        "preparing": _("Preparing your ballot token…"),
        "ready": _("Your ballot token is ready. Make your choices."),
        "token_refused": _("The ballot token could not be issued: {reason}"),
        "token_bad": _("The server's signature on your token does not verify. Do not vote "
                       "on this device; tell the secretariat."),
        "elsewhere": _("A ballot token was already issued to you for this poll: on another "
                       "device, or in this browser before its storage was cleared. Enter the "
                       "ballot code that your first device shows under “Continue on another "
                       "device”."),
        "code_length": _("A ballot code has 28 letters and digits. Check that none is missing."),
        "code_character": _("The code contains a character that a ballot code never has "
                            "(it has no U). Check what you typed."),
        "code_check": _("This is not a valid ballot code: a character is mistyped. Compare it "
                        "with your first device."),
        "wrong_code": _("This code does not belong to the ballot token issued to you for this "
                        "poll. Compare it with your first device."),
        "has_token": _("This device already holds its own ballot token for this poll; the "
                       "code was not used."),
        "code_accepted": _("The code is accepted: your ballot token is ready on this device. "
                           "Make your choices."),
        "code_copied": _("The link with the code is copied. Open it only on a device of your "
                         "own."),
        "spent": _("A ballot with other choices was already cast with this token, from your "
                   "other device. Only one ballot counts, and yours is cast: this device "
                   "cannot cast another. Keep the receipt that the other device showed."),
        "lookup_found": _("Your ballot is on the board and counted as cast:"),
        "lookup_missing": _("No ballot on this board has that receipt. Check the characters; if "
                            "your receipt is really missing, tell the scrutineers at once."),
        "lookup_not_closed": _("The board is public once the poll closes. Look again then."),
        "lookup_network": _("The board could not be loaded. Check the network and try again."),
        "nobody": _("(approves no one)"),
        "all_abstain": _("(abstains on every candidate)"),
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
        "copied": _("Receipt copied."),
        "voted_here": _("Voted on this device"),
        **kinds.of(poll).messages(_),
    }


@bp.get("/my/polls")
@role_required(DEPUTY)
def my_polls():
    s = db.session()
    deputy = deputy_of_user(s, current_user.id)
    entries = _polls_of_deputy(s, deputy) if deputy is not None else []
    keys = {e.poll.id: storage_key(current_user.id, e.poll) for e in entries}
    return render_template("ballots/my_polls.html", deputy=deputy, entries=entries, keys=keys,
                           watch=deputy_token_watch(),
                           messages={"voted_here": _("Voted on this device")})


@bp.get("/my/polls/status.json")
@role_required(DEPUTY)
def my_polls_status():
    """What an open page of the deputy needs to fetch the token the moment a poll opens:
    the open polls of their congress, whether they are checked in, whether a token was
    issued (then this device, if it has none, asks for the ballot code instead)."""
    s = db.session()
    deputy = deputy_of_user(s, current_user.id)
    entries = _polls_of_deputy(s, deputy) if deputy is not None else []
    polls = [{"id": e.poll.id, "title": e.poll.title, "status": e.poll.status,
              "checked_in": e.checked_in, "token_issued": e.token_issued,
              "storage_key": storage_key(current_user.id, e.poll),
              "public_key_pem": e.poll.public_key_pem,
              "key_fingerprint": e.poll.key_fingerprint,
              "token_url": f"/api/v1/polls/{e.poll.id}/tokens",
              "vote_url": url_for(".vote", poll_id=e.poll.id)}
             for e in entries if e.poll.status == "open"]
    response = jsonify({"polls": polls})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/my/polls/<int:poll_id>")
@role_required(DEPUTY)
def vote(poll_id: int):
    s = db.session()
    deputy = deputy_of_user(s, current_user.id)
    poll = _deputy_poll(s, deputy, poll_id)
    checked_in = is_checked_in(s, poll.session_id, deputy.id)
    issued = s.scalar(select(TokenIssuance.id).where(TokenIssuance.poll_id == poll.id,
                                                     TokenIssuance.deputy_id == deputy.id))
    config = {
        "pollId": poll.id,
        "kind": poll.kind,
        "status": poll.status,
        "maxChoices": poll.max_choices,
        "canVote": poll.status == "open" and checked_in,
        "publicKeyPem": poll.public_key_pem,
        "fingerprint": poll.key_fingerprint,
        "storageKey": storage_key(current_user.id, poll),
        "tokenIssued": issued is not None,
        "castDelayMaxMs": int(current_app.config.get("CAST_DELAY_MAX_MS", 0)),
        "pollUrl": f"/api/v1/polls/{poll.id}",
        "tokenUrl": f"/api/v1/polls/{poll.id}/tokens",
        "castUrl": f"/api/v1/polls/{poll.id}/ballots",
        "boardUrl": f"/api/v1/polls/{poll.id}/ballots",
        "loginUrl": url_for("auth.login", next=url_for(".vote", poll_id=poll.id)),
        "messages": _messages(poll),
    }
    return render_template("ballots/vote.html", poll=poll, deputy=deputy,
                           congress_session=s.get(CongressSession, poll.session_id),
                           checked_in=checked_in, candidates=_candidates(s, poll),
                           vote_config=config, board_url=url_for(".board", poll_id=poll.id))
