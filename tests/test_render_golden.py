"""Rendered alerts compared byte for byte with golden files in tests/data/alerts/.

Each case renders one article in every format; ``<case>.txt``, ``<case>.md`` and
``<case>.html`` hold the title line, a blank line and the body. After a deliberate
change to the templates or the escaping, regenerate the files with
``NEWSRADAR_UPDATE_GOLDEN=1 python -m pytest tests/test_render_golden.py`` and read
the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from alerts.render import EntityInfo, render_alert

GOLDEN = Path(__file__).parent / "data" / "alerts"
SUFFIX = {"text": "txt", "markdown": "md", "html": "html"}
UPDATE = os.environ.get("NEWSRADAR_UPDATE_GOLDEN") == "1"

ENTITIES = {
    "taliban": EntityInfo("Taliban", "group"),
    "ttp": EntityInfo("Tehrik-i-Taliban Pakistan", "group"),
    "siraj": EntityInfo("Sirajuddin Haqqani", "official"),
    "zawahiri": EntityInfo("Ayman al-Zawahiri", "official"),
    "taliban-ar": EntityInfo("طالبان", "group"),
}


def _mention(entity_id: str, snippet: str, matched: str, rule: str = "exact") -> dict[str, Any]:
    return {"entity_id": entity_id, "snippet": snippet, "matched": matched, "rule": rule}


CASES: dict[str, dict[str, Any]] = {
    # Every field an outlet controls tries to break out of its format.
    "hostile": {
        "article": {
            "title": "<script>alert(1)</script> **Taliban** @everyone [click](http://evil.example)",
            "url": "https://news.example.org/a?b=1&c=<x>@here",
            "source": "Wire <b>Desk</b> @channel",
            "published": "2026-11-30T08:00:00Z",
        },
        "ids": ["taliban"],
        "mentions": [
            _mention(
                "taliban",
                "The **Taliban** said <img src=x onerror=alert(1)> @everyone #general `code`.",
                "Taliban",
            )
        ],
        "also": [
            {
                "url": "javascript:alert(1)",
                "source": "Evil <i>Blog</i>",
                "title": "x",
                "published": "2026-11-30T09:00:00Z",
            }
        ],
    },
    # Right-to-left text and Arabic-script names keep every character.
    "arabic": {
        "article": {
            "title": "طالبان تعلن عن حكومة جديدة في كابل",
            "url": "https://news.example.org/ar/1",
            "source": "الجزيرة",
            "published": "2026-11-30T10:00:00Z",
        },
        "ids": ["taliban-ar"],
        "mentions": [
            _mention("taliban-ar", "أعلنت حركة طالبان اليوم عن حكومة جديدة.", "طالبان"),
            _mention(
                "taliban-ar", "وقال متحدث باسم الطالبان إن الحكومة مؤقتة.", "الطالبان", "script"
            ),
        ],
        "also": [],
    },
    # Several entities, grouped by kind, two snippets at most each, copies listed.
    "several": {
        "article": {
            "title": "Taliban and TTP leaders meet near the border",
            "url": "https://news.example.org/2026/11/30/meeting",
            "source": "Frontier Post",
            "published": "2026-11-30T11:00:00Z",
        },
        "ids": ["siraj", "ttp", "taliban", "zawahiri"],
        "mentions": [
            _mention("taliban", "Taliban and TTP leaders meet near the border", "Taliban"),
            _mention("ttp", "Taliban and TTP leaders meet near the border", "TTP", "acronym"),
            _mention("siraj", "Sirajuddin Haqqani hosted the talks.", "Sirajuddin Haqqani"),
            _mention("siraj", "Haqqani said little afterwards.", "Haqqani", "surname"),
            _mention("siraj", "Later, Haqqani left.", "Haqqani", "surname"),
            _mention("zawahiri", "The Zawahri strike was not discussed.", "Zawahri", "variant"),
            _mention("taliban", "The Taliban's spokesman confirmed it.", "Taliban", "possessive"),
        ],
        "also": [
            {
                "url": f"https://copy{n}.example.org/meeting",
                "source": f"Copy {n}",
                "title": "Taliban and TTP leaders meet near the border",
                "published": f"2026-11-30T1{n}:30:00Z",
            }
            for n in range(1, 4)
        ],
    },
}


def _rendered(case: dict[str, Any], fmt: str) -> str:
    message = render_alert(
        case["article"], case["ids"], case["mentions"], ENTITIES, fmt, also=case["also"]
    )
    assert message.format == fmt
    return f"{message.title}\n\n{message.body}\n"


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
@pytest.mark.parametrize("name", sorted(CASES))
def test_rendered_alert_matches_golden_file(name: str, fmt: str) -> None:
    path = GOLDEN / f"{name}.{SUFFIX[fmt]}"
    rendered = _rendered(CASES[name], fmt)
    if UPDATE:
        path.write_text(rendered, encoding="utf-8")
    assert path.is_file(), f"{path.name} missing: run with NEWSRADAR_UPDATE_GOLDEN=1"
    assert rendered == path.read_text(encoding="utf-8")


def test_golden_files_hold_nothing_live() -> None:
    """The golden files themselves show the escaping: no mass mention and no script
    link anywhere, no raw markup in an HTML or Markdown body (titles are plain text)."""
    for path in GOLDEN.glob("hostile.*"):
        text = path.read_text(encoding="utf-8")
        assert not {"@everyone", "@here", "@channel", "javascript:"} & set(text.split())
        assert "javascript:" not in text and "@everyone" not in text and "@here" not in text
        body = text.split("\n\n", 1)[1]
        if path.suffix == ".html":
            assert "<script" not in body and "<img" not in body and "<b>" not in body
        if path.suffix == ".md":
            assert "<" not in body.replace("\\<", "")
