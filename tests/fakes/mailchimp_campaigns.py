"""Campaign routes for the fake Mailchimp (tests/fakes/mailchimp.py imports this on start).

    POST /3.0/campaigns                                 create (status "save")
    GET  /3.0/campaigns                                 list: count, offset, status, list_id,
                                                        fields (partial response); `title` is
                                                        an extra filter real Mailchimp lacks
    GET  /3.0/campaigns/{id}                            get (a read moves "sending" to "sent")
    PUT  /3.0/campaigns/{id}/content                    html + plain_text (only while "save")
    GET  /3.0/campaigns/{id}/send-checklist             is_ready + items
    POST /3.0/campaigns/{id}/actions/send               204; "save" -> "sending"
    POST /3.0/campaigns/{id}/actions/schedule           204; quarter hours only; -> "schedule"
    POST /3.0/campaigns/{id}/actions/test               204; records the test addresses

State (in `state.ext`): "campaigns" {id: doc}, "contents" {id: {html, plain_text}},
"deliveries" {id: number of times the campaign was really sent (must end at 1)},
"tests" [(id, [emails])].

Faults, per action, in `state.ext["campaign_faults"]` = {action: [mode, ...]} (one consumed
per call; actions: create, list, get, content, checklist, send, schedule):
    "429"            answer 429 Too Many Requests, do nothing
    "500"            answer an empty 500, do nothing
    "500-after"      do the action, then answer an empty 500 (e.g. a send that did go out)
    "slow-after"     do the action, then wait `state.ext["slow_seconds"]` (default 2) before
                     answering: the client times out although the action happened
Hooks: `state.ext["campaign_hooks"][action]` = callable(state, campaign_id), run after the
action is applied and before the answer (e.g. kill the client process: a crash between
create and send).
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone

from tests.fakes.mailchimp import Reply, problem, route

STATUSES = ("save", "paused", "schedule", "sending", "sent", "canceled")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _campaigns(state) -> dict:
    return state.ext.setdefault("campaigns", {})


def _fault(state, action: str) -> str | None:
    queue = state.ext.get("campaign_faults", {}).get(action)
    return queue.pop(0) if queue else None


def _before(state, action: str) -> tuple[str | None, Reply | None]:
    """Faults that answer without doing anything."""
    mode = _fault(state, action)
    if mode == "429":
        raise problem(429, "Too Many Requests",
                      "You have exceeded the limit of 10 simultaneous connections.")
    if mode == "500":
        return mode, Reply(500, None)
    return mode, None


def _after(state, action: str, mode: str | None, campaign_id: str, reply: Reply) -> Reply:
    hook = state.ext.get("campaign_hooks", {}).get(action)
    if hook is not None:
        hook(state, campaign_id)
    if mode == "500-after":
        return Reply(500, None)
    if mode == "slow-after":
        time.sleep(state.ext.get("slow_seconds", 2.0))
    return reply


def _get(state, campaign_id: str) -> dict:
    doc = _campaigns(state).get(campaign_id)
    if doc is None:
        raise problem(404, "Resource Not Found", "The requested resource could not be found.")
    return doc


def _select(doc, fields: list[str]):
    """Mailchimp partial response: keep only the dotted paths in `fields`."""
    if not fields:
        return doc
    out: dict = {}
    for path in fields:
        head, _, rest = path.partition(".")
        if head not in doc:
            continue
        value = doc[head]
        if rest and isinstance(value, list):
            out[head] = [_merge(out.get(head, [None] * len(value))[i] if head in out else None,
                                _select(item, [rest])) for i, item in enumerate(value)]
        elif rest and isinstance(value, dict):
            out[head] = {**out.get(head, {}), **_select(value, [rest])}
        else:
            out[head] = value
    return out


def _merge(old, new):
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            merged[key] = _merge(merged.get(key), value)
        return merged
    return new if new is not None else old


@route("POST", r"/3.0/campaigns")
def create_campaign(state, req):
    mode, early = _before(state, "create")
    if early:
        return early
    body = req.body if isinstance(req.body, dict) else {}
    recipients = body.get("recipients") or {}
    if body.get("type") != "regular" or recipients.get("list_id") not in state.list_ids:
        raise problem(400, "Invalid Resource", "The resource submitted could not be validated.",
                      [{"field": "recipients.list_id", "message": "Invalid list or type."}])
    campaign_id = secrets.token_hex(5)
    doc = {"id": campaign_id, "web_id": len(_campaigns(state)) + 1, "type": "regular",
           "create_time": _now(), "status": "save", "emails_sent": 0, "send_time": "",
           "content_type": "html", "recipients": recipients,
           "settings": dict(body.get("settings") or {})}
    _campaigns(state)[campaign_id] = doc
    return _after(state, "create", mode, campaign_id, Reply(200, doc))


@route("GET", r"/3.0/campaigns")
def list_campaigns(state, req):
    mode, early = _before(state, "list")
    if early:
        return early
    items = sorted(_campaigns(state).values(), key=lambda d: d["create_time"])
    for name in ("status", "list_id"):
        wanted = (req.query.get(name) or [None])[0]
        if wanted:
            items = [d for d in items if (d["status"] if name == "status"
                                          else d["recipients"].get("list_id")) == wanted]
    title = (req.query.get("title") or [None])[0]
    if title:
        items = [d for d in items if d["settings"].get("title") == title]
    count = int((req.query.get("count") or ["10"])[0])
    offset = int((req.query.get("offset") or ["0"])[0])
    page = {"campaigns": items[offset:offset + count], "total_items": len(items)}
    fields = [f for value in req.query.get("fields", []) for f in value.split(",") if f]
    return _after(state, "list", mode, "", Reply(200, _select(page, fields)))


@route("GET", r"/3.0/campaigns/(?P<campaign_id>[^/]+)")
def get_campaign(state, req, campaign_id):
    mode, early = _before(state, "get")
    if early:
        return early
    doc = _get(state, campaign_id)
    reply = Reply(200, dict(doc))
    if doc["status"] == "sending":  # the next read finds it finished
        doc["status"] = "sent"
    fields = [f for value in req.query.get("fields", []) for f in value.split(",") if f]
    reply.body = _select(reply.body, fields)
    return _after(state, "get", mode, campaign_id, reply)


@route("PUT", r"/3.0/campaigns/(?P<campaign_id>[^/]+)/content")
def set_content(state, req, campaign_id):
    mode, early = _before(state, "content")
    if early:
        return early
    doc = _get(state, campaign_id)
    if doc["status"] != "save":
        raise problem(400, "Bad Request", "Cannot update the content of a campaign that has "
                      "been sent or scheduled.")
    body = req.body if isinstance(req.body, dict) else {}
    state.ext.setdefault("contents", {})[campaign_id] = {
        "html": body.get("html") or "", "plain_text": body.get("plain_text") or ""}
    return _after(state, "content", mode, campaign_id,
                  Reply(200, {"html": body.get("html"), "plain_text": body.get("plain_text")}))


@route("GET", r"/3.0/campaigns/(?P<campaign_id>[^/]+)/send-checklist")
def send_checklist(state, req, campaign_id):
    mode, early = _before(state, "checklist")
    if early:
        return early
    doc = _get(state, campaign_id)
    content = state.ext.get("contents", {}).get(campaign_id)
    items = []
    settings = doc["settings"]
    for name in ("subject_line", "from_name", "reply_to"):
        if not settings.get(name):
            items.append({"type": "error", "id": len(items), "heading": name,
                          "details": f"The campaign has no {name}."})
    if not content or not content["html"]:
        items.append({"type": "error", "id": len(items), "heading": "Content",
                      "details": "The campaign has no content."})
    else:
        for part in ("html", "plain_text"):
            for tag in ("*|UNSUB|*", "*|LIST:ADDRESSLINE|*"):
                if tag not in content[part]:
                    items.append({"type": "error", "id": len(items), "heading": "Footer",
                                  "details": f"{tag} is missing from the {part} part."})
    return _after(state, "checklist", mode, campaign_id,
                  Reply(200, {"is_ready": not items, "items": items}))


@route("POST", r"/3.0/campaigns/(?P<campaign_id>[^/]+)/actions/send")
def send_campaign(state, req, campaign_id):
    mode, early = _before(state, "send")
    if early:
        return early
    doc = _get(state, campaign_id)
    if doc["status"] != "save":
        raise problem(400, "Bad Request",
                      "This campaign cannot be sent because it is not in the save state.")
    doc["status"] = "sending"
    doc["send_time"] = _now()
    deliveries = state.ext.setdefault("deliveries", {})
    deliveries[campaign_id] = deliveries.get(campaign_id, 0) + 1
    return _after(state, "send", mode, campaign_id, Reply(204, None))


@route("POST", r"/3.0/campaigns/(?P<campaign_id>[^/]+)/actions/schedule")
def schedule_campaign(state, req, campaign_id):
    mode, early = _before(state, "schedule")
    if early:
        return early
    doc = _get(state, campaign_id)
    when = (req.body or {}).get("schedule_time") if isinstance(req.body, dict) else None
    try:
        moment = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    except ValueError:
        raise problem(400, "Invalid Resource", "Schedule time is not a valid date.") from None
    if moment.tzinfo is None or moment.minute % 15 or moment.second:
        raise problem(400, "Invalid Resource",
                      "Schedule time must be on the quarter-hour (:00, :15, :30, :45) UTC.")
    if doc["status"] != "save":
        raise problem(400, "Bad Request", "Only campaigns in the save state can be scheduled.")
    doc["status"] = "schedule"
    doc["send_time"] = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    deliveries = state.ext.setdefault("deliveries", {})
    deliveries[campaign_id] = deliveries.get(campaign_id, 0) + 1
    return _after(state, "schedule", mode, campaign_id, Reply(204, None))


@route("POST", r"/3.0/campaigns/(?P<campaign_id>[^/]+)/actions/test")
def test_campaign(state, req, campaign_id):
    _get(state, campaign_id)
    body = req.body if isinstance(req.body, dict) else {}
    emails = body.get("test_emails") or []
    if not emails or body.get("send_type") not in ("html", "plaintext"):
        raise problem(400, "Invalid Resource", "test_emails and send_type are required.")
    state.ext.setdefault("tests", []).append((campaign_id, list(emails)))
    return Reply(204, None)
