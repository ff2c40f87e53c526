"""The PHP that serves the local WordPress (scripts/wordpress.sh) has the extensions
WordPress's Site Health recommends, which plugins call without core's fallbacks:
the Restart Registry plugin's mb_strpos() on an item name over 100 characters was
a fatal error without mbstring."""

import json
import uuid
from pathlib import Path

import httpx

RECOMMENDED = [
    "curl",
    "dom",
    "exif",
    "fileinfo",
    "gd",
    "hash",
    "intl",
    "json",
    "mbstring",
    "mysqli",
    "openssl",
    "pcre",
    "xml",
    "zip",
]
NAME = "Kaffeemühle für den Espresso am Morgen, " * 4  # over 100 characters, multibyte

PROBE = """<?php
header('Content-Type: application/json');
$name = '%s';  // UTF-8, no quote or backslash in it
echo json_encode([
    'missing' => array_values(array_filter(%s, fn($e) => !extension_loaded($e))),
    'space_after_100' => mb_strpos($name, ' ', 100),
]);
"""


def test_the_php_server_has_the_extensions_wordpress_recommends(wordpress):
    # A probe script in the docroot, run by the very server WordPress runs on.
    probe = Path(wordpress.state_dir) / "docroot" / f"probe-{uuid.uuid4().hex}.php"
    probe.write_text(PROBE % (NAME, json.dumps(RECOMMENDED)), encoding="utf-8")
    try:
        response = httpx.get(f"{wordpress.url}/{probe.name}", timeout=10)
    finally:
        probe.unlink()
    assert response.status_code == 200, response.text[:500]
    assert response.json() == {"missing": [], "space_after_100": NAME.index(" ", 100)}
