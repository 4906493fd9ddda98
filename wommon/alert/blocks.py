"""Block Kit messages within Slack's limits.

Feed text is hostile: it is escaped (so `<!channel>` in a title pages nobody), every
section is clipped to 3,000 characters, a message keeps to 50 blocks and about 12,000
characters (Slack answers `msg_blocks_too_long` well before its documented 40,000), and a
digest too long for one message is split into several.
"""

from __future__ import annotations

from typing import Any

from wommon.alert import render
from wommon.store.enums import Kind, State, Verdict
from wommon.store.payload import Digest, IncidentNews
from wommon.wording import plural

MAX_BLOCKS = 50
SECTION_CHARS = 3000
FIELD_CHARS = 2000
MESSAGE_CHARS = 12_000
FALLBACK_CHARS = 3000
ICONS = {"high": ":red_circle:", "medium": ":large_orange_circle:", "low": ":large_yellow_circle:"}
BUTTONS = (
    ("ack", "Acknowledge", "primary"),
    ("snooze", "Snooze 24 h", None),
    ("resolve", "Resolve", None),
    ("dismiss", "Not an incident", "danger"),
)

# The menu beside each quoted mention: the person's verdict on that one mention.
VERDICTS = (
    (Verdict.NOT_ABOUT_US, "Not about us"),
    (Verdict.NOT_A_COMPLAINT, "Not a complaint"),
    (Verdict.MUTE_SITE, "Mute this site"),
)
VERDICT_ACTION = "wommon_label"

Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack's three control characters, escaped: the only way to stop `<!channel>`,
    `<@U123>` or a fake link in feed text from being interpreted."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fallback(text: str) -> str:
    """The notification text (what phones show): escaped and short."""
    return clip(escape(text), FALLBACK_CHARS)


def incident_page(public_url: str | None, incident_id: int | None) -> str | None:
    """Where people open an incident in the web UI, for the "View in wommon" link."""
    if not public_url or incident_id is None:
        return None
    return f"{public_url.rstrip('/')}/incidents/{incident_id}"


def _section(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(markdown, SECTION_CHARS)}}


def _link(url: str | None, label: str) -> str:
    if not url or not url.startswith(("http://", "https://")) or "|" in url:
        return escape(label)
    return f"<{escape(url)}|{escape(label)}>"


def incident_blocks(
    news: IncidentNews, kind: str, *, buttons: bool, page: str | None = None
) -> list[Block]:
    """The incident's root message, as it should read now; `page` is the incident's page
    in the web UI, linked as "View in wommon"."""
    resolved = kind == Kind.RESOLVE or news.state in (State.RESOLVED, State.DISMISSED)
    icon = ":white_check_mark:" if resolved else ICONS.get(news.severity, "")
    title = render.headline(news, Kind.OPEN if kind in (Kind.UPDATE, Kind.ACTION) else kind)
    fields = [
        f"*Brand*\n{escape(news.brand)}",
        f"*Aspect*\n{escape(news.aspect or 'not classified')}",
        f"*Severity*\n{escape(news.severity)}",
        f"*Voices*\n{plural(news.mentions, 'mention')}, "
        f"{plural(news.sources, 'independent source')}",
        f"*Growth*\n{escape(render.growth(news))}",
        f"*Forecast*\n{escape(render.forecast(news))}",
        *([f"*Unusual*\n{escape(u)}"] if (u := render.unusual(news)) else []),
        f"*Languages*\n{escape(', '.join(news.languages) or 'unknown')}",
    ]
    blocks: list[Block] = [
        _section(f"{icon} *{clip(escape(title), 500)}*"),
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": clip(f, FIELD_CHARS)} for f in fields],
        },
    ]
    for ex in render.excerpts(news)[:3]:
        quote = escape(" ".join((ex.title or ex.text or "").split()))
        body = escape(" ".join((ex.text or "").split()))
        where = _link(ex.url, ex.domain or ex.url or "")
        text = f"> *{clip(quote, 300)}*\n> {clip(body, 600)}\n{where}"
        section = _section(text)
        if buttons and ex.mention_id is not None:
            section["accessory"] = _verdicts(ex.mention_id)
        blocks.append(section)
    state = f"state {news.state}"
    note = render.handled(news)
    context = f"First seen {news.first_seen[:16].replace('T', ' ')} UTC · {state}"
    if note:
        context += f" · {escape(note)}"
    if page:
        context += f" · {_link(page, 'View in wommon')}"
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(context, SECTION_CHARS)}]}
    )
    if buttons and not resolved:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"wommon-incident-{news.incident_id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"wommon_{action}",
                        "text": {"type": "plain_text", "text": label},
                        "value": str(news.incident_id),
                        **({"style": style} if style else {}),
                    }
                    for action, label, style in BUTTONS
                ],
            }
        )
    return fit(blocks)[0]


def _verdicts(mention_id: int) -> Block:
    return {
        "type": "overflow",
        "action_id": VERDICT_ACTION,
        "options": [
            {"text": {"type": "plain_text", "text": label}, "value": f"{verdict}:{mention_id}"}
            for verdict, label in VERDICTS
        ],
    }


def thread_text(news: IncidentNews, kind: str) -> str:
    """The short note posted in the incident's thread."""
    if kind == Kind.ACTION:
        return clip(escape(render.handled(news) or "Updated"), FALLBACK_CHARS)
    lines = [f"*{render.TITLES.get(kind, 'Update')}*: {escape(render.facts(news))}"]
    if kind in (Kind.UPDATE, Kind.ESCALATE, Kind.REOPEN):
        lines.append(escape(render.growth(news)))
        lines.append(escape(f"Forecast: {render.forecast(news)}"))
        for ex in render.excerpts(news)[:1]:
            title = escape(clip(" ".join((ex.title or "").split()), 300))
            lines.append(f"> {title} {_link(ex.url, ex.domain or '')}")
    return clip("\n".join(lines), FALLBACK_CHARS)


def digest_messages(digest: Digest) -> list[list[Block]]:
    """A digest of open incidents, split into as many messages as Slack's limits need."""
    blocks: list[Block] = [_section(f"*{escape(digest.title)}*")]
    if not digest.incidents:
        blocks.append(_section("No open incidents."))
    for item in digest.incidents:
        blocks.append(
            _section(
                f"{ICONS.get(item.severity, '')} *{escape(item.brand)}*: "
                f"{escape(clip(item.label, 300))}\n{plural(item.mentions, 'mention')}, "
                f"{plural(item.sources, 'source')} · {escape(item.state)} since "
                f"{item.first_seen[:16].replace('T', ' ')} UTC"
            )
        )
    return fit(blocks)


def fit(blocks: list[Block]) -> list[list[Block]]:
    """Split blocks into messages of at most MAX_BLOCKS blocks and MESSAGE_CHARS characters."""
    messages: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        length = _chars(block)
        if messages[-1] and (len(messages[-1]) >= MAX_BLOCKS or size + length > MESSAGE_CHARS):
            messages.append([])
            size = 0
        messages[-1].append(block)
        size += length
    return messages


def _chars(block: Block) -> int:
    total = 0
    stack: list[Any] = [block]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            total += len(item)
    return total
