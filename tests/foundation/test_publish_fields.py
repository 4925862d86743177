"""tools/publish.py: extra record fields given on the command line."""

from __future__ import annotations

import pytest

from foundation.helpers import load_script


def test_fields_are_read_as_json_or_text():
    publish = load_script("tools/publish.py", "publish_tool")
    fields = publish.record_fields(["domain=general", "default=true", "note=a=b", "n=3"])
    assert fields == {"domain": "general", "default": True, "note": "a=b", "n": 3}
    with pytest.raises(SystemExit, match="give KEY=VALUE"):
        publish.record_fields(["domain"])
