"""The hand-written OpenAPI 3.0 description of every /api/v1 route (docs/protocol.md)."""

from __future__ import annotations

from voting.ballots import kinds
from voting.core.years import YEAR_MAX, YEAR_MIN
from voting.crypto.blind_rsa import VARIANT


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


def _obj(required: list[str], **props) -> dict:
    return {"type": "object", "required": required, "properties": props}


B64 = {"type": "string", "description": "unpadded base64url", "pattern": "^[A-Za-z0-9_-]*$"}
HEX = {"type": "string", "pattern": "^[0-9a-f]+$"}
INT = {"type": "integer"}
STR = {"type": "string"}
POLL_ID = {"name": "poll_id", "in": "path", "required": True, "schema": INT}
CSRF = {"name": "X-CSRFToken", "in": "header", "required": True, "schema": STR,
        "description": "the csrf_token from /api/v1/auth/login or /api/v1/auth/me"}

# Each kind describes its own choices (voting/ballots/kinds/); an empty object fits several.
CHOICES = {"anyOf": [k.choices_schema for k in kinds.all_kinds()]}
SEATS = {"type": "integer", "nullable": True,
         "description": "null for a kind without seats (evaluation)"}

SCHEMAS = {
    "Error": _obj(["error", "message"], error=STR, message=STR),
    "Poll": _obj(
        ["id", "title", "kind", "status", "seats", "max_choices", "candidates",
         "public_key_pem", "key_fingerprint", "variant"],
        id=INT, title=STR,
        kind={"type": "string", "enum": list(kinds.names())},
        status={"type": "string", "enum": ["draft", "open", "closed", "tallied", "published"]},
        seats=SEATS, max_choices=SEATS,
        threshold_base={"type": "string", "enum": ["roster", "present", "cast"],
                        "description": "what the threshold is more than half of"},
        parent_id={"type": "integer", "nullable": True,
                   "description": "set on a runoff or further poll"},
        candidates={"type": "array", "items": _obj(["id", "title"], id=STR, title=STR)},
        public_key_pem={"type": "string", "description": "SPKI PEM (rsaEncryption)"},
        key_fingerprint={**HEX, "description": "hex SHA-256 of the DER SubjectPublicKeyInfo"},
        variant={"type": "string", "enum": [VARIANT]},
        max_for={"type": "integer",
                 "description": "for_against polls only: the most \"for\" marks on a ballot"},
        marks={"type": "array", "items": STR,
               "description": "the marks of a kind that marks each candidate: for_against "
                              "[\"for\", \"against\", \"abstain\"]; evaluation "
                              "[\"satisfied\", \"basic\", \"dissatisfied\", \"abstain\"]"}),
    "BoardBallot": _obj(["msg", "msg_prefix", "sig", "choices", "receipt"],
                        msg=B64, msg_prefix=B64, sig=B64, choices=CHOICES, receipt=HEX),
    "Board": _obj(["poll_id", "key_fingerprint", "ballots"], poll_id=INT, key_fingerprint=HEX,
                  ballots={"type": "array", "items": _ref("BoardBallot"),
                           "description": "sorted by msg (code points); choices sorted"}),
    "Result": {**_obj(
        ["poll_id", "title", "eligible", "checked_in", "tokens_issued", "ballots_cast",
         "valid_ballots", "seats", "threshold", "counts", "elected", "tied",
         "key_fingerprint", "board_digest", "audit_head", "signing_key", "signature"],
        poll_id=INT, title=STR, eligible=INT, checked_in=INT, tokens_issued=INT,
        ballots_cast=INT, valid_ballots=INT, seats=SEATS,
        threshold={"type": "integer", "description": "the fewest votes needed to be elected"},
        counts={"type": "object",
                "additionalProperties": {"anyOf": [INT, {"type": "object",
                                                         "additionalProperties": INT}]},
                "description": "every candidate id → votes, zeros too (evaluation: → "
                               "{mark: count})"},
        ratings={"type": "object", "additionalProperties": {
                     "type": "string", "enum": ["satisfied", "basic", "dissatisfied"]},
                 "description": "evaluation polls only: candidate id → rating"},
        rectify={"type": "array", "items": STR,
                 "description": "evaluation polls only: rated dissatisfied, candidate order"},
        overall_rate={"type": "string", "nullable": True,
                      "description": "evaluation polls only: percent, two places (\"98.56\")"},
        elected={"type": "array", "items": STR,
                 "description": "rank order: votes descending, then candidate order"},
        tied={"type": "array", "items": STR,
              "description": "tied at the last seat, not all electable (a runoff is needed)"},
        key_fingerprint=HEX,
        board_digest={**HEX, "description": "hex SHA-256 of the canonical JSON of the board's "
                                            "ballots ({msg, msg_prefix, sig, choices})"},
        audit_head={**HEX, "description": "hash of the newest audit entry when the result "
                                          "was signed (the tally's own entry)"},
        audit_seq={"type": "integer", "description": "seq of that audit entry"},
        replacements={"type": "array", "items": _obj(["number", "name"], number=STR, name=STR),
                      "description": "deputies given a paper ballot in place of their token "
                                     "(who took part, never what they chose)"},
        signing_key={**B64, "description": "raw 32-byte Ed25519 public key"},
        signature={**B64, "description": "Ed25519 over the canonical JSON of the result "
                                         "without its signature field"}),
        "additionalProperties": True},
    "SigningKey": _obj(["key", "fingerprint", "created", "retired"],
                       key={**B64, "description": "raw 32-byte Ed25519 public key"},
                       fingerprint={**HEX, "description": "hex SHA-256 of the raw key"},
                       created=STR, retired={"type": "string", "nullable": True}),
    # ---- supervision open data (voting/api/projects.py) ----
    "ProjectSummary": _obj(
        ["id", "title", "year", "stage", "field", "lead_unit", "responsible_units",
         "completion", "status"],
        id=INT, title=STR, year=INT,
        stage={"type": "string", "enum": ["pool", "alternative", "candidate", "selected"]},
        field=STR, lead_unit=STR,
        responsible_units={"type": "array", "items": STR, "description": "in the source's order"},
        completion={"type": "string", "nullable": True, "pattern": "^[0-9]+\\.[0-9]{2}$",
                    "description": "percent, two decimals (\"100.73\"); null without a target "
                                   "value or a report"},
        status={"type": "string", "nullable": True,
                "enum": ["exceeded", "completed", "partly_completed", "in_progress", "behind",
                         None],
                "description": "derived by the rule at /supervision/rules; null before any "
                               "report"}),
    "ProjectDetail": {"allOf": [{"$ref": "#/components/schemas/ProjectSummary"}, _obj(
        ["content", "significance", "targets", "schedule", "reports", "evaluation"],
        content=STR, significance=STR,
        targets={"type": "array", "items": _obj(
            ["id", "metric", "unit", "target", "achieved", "completion"],
            id=INT, metric=STR, unit=STR,
            target={"type": "string", "nullable": True,
                    "description": "decimal string as written; null where the source gives "
                                   "no annual value"},
            achieved={"type": "string", "nullable": True,
                      "description": "achieved to date, the current report's figure"},
            completion={"type": "string", "nullable": True},
            completion_source={"type": "string", "nullable": True,
                               "enum": ["achieved_over_target", "stated", None],
                               "description": "achieved ÷ target, or the source document's "
                                              "own percent"},
            qualifier=STR, met={"type": "boolean", "nullable": True},
            contribution={"type": "string", "nullable": True,
                          "description": "its share in the project's completion (capped)"})},
        schedule={"type": "array", "items": _obj(["period", "due"], period=STR,
                                                 due={"type": "string", "format": "date"})},
        reports={"type": "array", "description": "every version, by period then version",
                 "items": _obj(["period", "version", "submitted", "late", "values",
                                "narrative"],
                               period=STR, version=INT,
                               submitted={"type": "string", "format": "date-time"},
                               late={"type": "boolean"},
                               values={"type": "object", "additionalProperties": STR,
                                       "description": "target id → achieved to date"},
                               narrative=STR)},
        evaluation={"type": "object", "nullable": True,
                    "description": "the published year-end rating with its counts"})]},
    "AuditEntry": _obj(["seq", "created_at", "actor", "action", "object_type", "object_id",
                        "details", "prev_hash", "hash"],
                       seq=INT, created_at=STR, actor=STR, action=STR, object_type=STR,
                       object_id=STR, details={"type": "object"}, prev_hash=HEX, hash=HEX),
}

PATHS = {
    "/api/v1/auth/login": {"post": {
        "summary": "Sign in (deputies and staff); sets an HttpOnly SameSite=Lax session cookie",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": _obj(["username", "password"], username=STR, password=STR)}}},
        "responses": {
            "200": _json(_obj(["csrf_token", "role"], csrf_token=STR, role=STR), "signed in"),
            "400": _error("malformed body"),
            "401": _error("wrong credentials"),
            "429": _error("too many attempts")}}},
    "/api/v1/auth/me": {"get": {
        "summary": "The signed-in user and a fresh CSRF token",
        "responses": {
            "200": _json(_obj(["username", "role", "display_name", "csrf_token"],
                              username=STR, role=STR, display_name=STR, csrf_token=STR),
                         "signed in"),
            "401": _error("no session")}}},
    "/api/v1/audit": {"get": {
        "summary": "The whole hash-chained audit log of staff actions (public)",
        "responses": {"200": _json(_obj(["entries", "head"], entries={
            "type": "array", "items": _ref("AuditEntry")}, head={
            **HEX, "description": "hash of the newest entry"}), "every entry, by seq")}}},
    "/api/v1/keys": {"get": {
        "summary": "Every Ed25519 result-signing key of this installation (public)",
        "responses": {"200": _json(_obj(["result_signing_keys"], result_signing_keys={
            "type": "array", "items": _ref("SigningKey")}), "current and retired keys")}}},
    "/api/v1/polls/{poll_id}": {"get": {
        "summary": "A poll: rules, candidates and its blind-signature public key (public)",
        "parameters": [POLL_ID],
        "responses": {"200": _json(_ref("Poll"), "the poll"),
                      "404": _error("no such poll")}}},
    "/api/v1/polls/{poll_id}/tokens": {"post": {
        "summary": "Blind-sign the deputy's ballot token (RFC 9474); one per deputy per poll",
        "description": "Only a deputy on the poll's roster, checked in, while the poll is "
                       "open. The same blinded_msg again returns the same blind_sig.",
        "parameters": [POLL_ID, CSRF],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": _obj(["blinded_msg"], blinded_msg=B64)}}},
        "responses": {
            "200": _json(_obj(["blind_sig"], blind_sig=B64), "the blind signature"),
            "400": _error("malformed body or missing CSRF token"),
            "401": _error("no session"),
            "403": _error("not eligible (not on the roster) or not checked in"),
            "404": _error("no such poll"),
            "409": _error("poll not open, or a different blinded_msg was already signed"),
            "422": _error("blinded_msg does not fit the poll's key")}}},
    "/api/v1/polls/{poll_id}/ballots": {
        "post": {
            "summary": "Cast an anonymous ballot (no session: cookies are ignored, none set)",
            "description": "Errors in this order: 400 malformed; 409 poll not open (retries "
                           "too); 403 signature does not verify; 422 unknown, repeated or too "
                           "many choices (token not spent); 409 msg already cast with other "
                           "content. An identical retry returns 200 and the same receipt.",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _obj(["msg", "msg_prefix", "sig", "choices"],
                               msg={**B64, "description": "32 random bytes"},
                               msg_prefix={**B64, "description": "32 random bytes"},
                               sig={**B64, "description": "RSASSA-PSS SHA-384 salt 48 over "
                                                          "msg_prefix || msg"},
                               choices=CHOICES)}}},
            "parameters": [POLL_ID],
            "responses": {
                "201": _json(_obj(["receipt"], receipt=HEX), "cast and committed"),
                "200": _json(_obj(["receipt"], receipt=HEX), "identical retry"),
                "400": _error("malformed body"),
                "403": _error("signature does not verify"),
                "404": _error("no such poll"),
                "409": _error("poll not open, or this msg was cast with other content"),
                "422": _error("unknown, repeated or too many choices")}},
        "get": {
            "summary": "The bulletin board (public once the poll is closed)",
            "parameters": [POLL_ID],
            "responses": {"200": _json(_ref("Board"), "every ballot, sorted by msg"),
                          "404": _error("no such poll"),
                          "409": _error("the poll is not closed yet")}}},
    "/api/v1/polls/{poll_id}/result": {"get": {
        "summary": "The signed result (public once published)",
        "parameters": [POLL_ID],
        "responses": {"200": _json(_ref("Result"), "the signed result"),
                      "404": _error("no such poll"),
                      "409": _error("not published yet")}}},
    "/api/v1/projects/{project_id}/reports": {"post": {
        "summary": "A responsible unit files a progress report (a new version for the period)",
        "description": "Signed in as a user of one of the project's units, with X-CSRFToken. "
                       "values: achieved to date per target id, decimal strings in the "
                       "target's unit (or in the unit given for it in units, e.g. 株 for a "
                       "target in 万株). Nothing is stored on any error.",
        "parameters": [{"name": "project_id", "in": "path", "required": True, "schema": INT},
                       CSRF],
        "security": [{"session": []}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": _obj(
                ["period", "values"],
                period={"type": "string", "description": "one of the project's schedule "
                                                         "periods, e.g. 2025-Q1 or 2025-03"},
                values={"type": "object", "additionalProperties": STR,
                        "description": "target id → non-negative decimal string"},
                narrative=STR,
                spending={"type": "string", "nullable": True,
                          "description": "完成投资 to date, 万元, at most two decimals"},
                delivery={"type": "string", "nullable": True,
                          "enum": ["in_use", "partly_in_use", "under_way", None]},
                units={"type": "object", "additionalProperties": STR,
                       "description": "target id → the unit a figure was typed in"})}}},
        "responses": {
            "201": _json(_obj(["period", "version"], period=STR, version=INT),
                         "filed and committed"),
            "400": _error("missing CSRF token or not a JSON object"),
            "401": _error("no session"),
            "403": _error("not a user of this project's units"),
            "404": _error("no such project"),
            "422": _error("unknown period or target, or a value that is not a non-negative "
                          "decimal")}}},
    "/api/v1/projects": {"get": {
        "summary": "Every project of a year, all stages, with completion and status (public)",
        "parameters": [{"name": "year", "in": "query", "required": True,
                        "schema": {"type": "integer", "minimum": YEAR_MIN,
                                   "maximum": YEAR_MAX}}],
        "responses": {"200": _json(_obj(["year", "projects"], year=INT, projects={
            "type": "array", "items": _ref("ProjectSummary")}), "the year's projects"),
            "422": _error("missing or invalid year")}}},
    "/api/v1/projects/{project_id}": {"get": {
        "summary": "One project: targets, completion, status, schedule, every report version, "
                   "evaluation (public)",
        "parameters": [{"name": "project_id", "in": "path", "required": True, "schema": INT}],
        "responses": {"200": _json(_ref("ProjectDetail"), "the project"),
                      "404": _error("no such project")}}},
    "/api/v1/openapi.json": {"get": {
        "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.0 document",
                              "content": {"application/json": {}}}}}},
}


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "民生实事项目票决 — ballot protocol", "version": "1",
                 "description": "docs/protocol.md v1: RFC 9474 " + VARIANT + " blind-signed "
                                "anonymous ballots, public bulletin board, signed results."},
        "paths": PATHS,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"session": {"type": "apiKey", "in": "cookie",
                                                       "name": "session"}}},
    }
