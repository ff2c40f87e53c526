"""The documentation: /docs and /redoc work offline, the OpenAPI texts say what
the code does, and the Markdown files link only to what the repository has."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
MARKDOWN = sorted(
    path.relative_to(ROOT)
    for path in [ROOT / "README.md", ROOT / "CHANGELOG.md", *ROOT.glob("docs/*.md"), *ROOT.glob("bench/*.md")]
)


class References(HTMLParser):
    """Every src and href of an HTML page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_use_only_the_files_this_service_serves(path):
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    parser = References()
    parser.feed(page.content.decode())
    assert parser.urls, "the page references its scripts"
    for url in parser.urls:
        assert not urlsplit(url).netloc and url.startswith("/static/"), url
        served = client.get(url)
        assert served.status_code == 200, url
        assert served.getvalue(), url
    assert not re.search(r"https?://", page.content.decode())  # nothing elsewhere, in scripts either
    # And the browser may fetch nothing elsewhere (Redoc's own logo, for one).
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert "connect-src 'self'" in page["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/static/ninja/missing.js", 404, "Not Found"),
        ("/static/", 404, "Not Found"),
        ("/static/../registry_api/settings.py", 400, "Bad Request"),  # out of the static folders
        ("/static/ninja/../../../registry_api/settings.py", 400, "Bad Request"),
    ],
)
def test_only_static_files_are_served_and_the_rest_answers_json(path, status, detail):
    response = Client().get(path)
    assert (response.status_code, response.json()) == (status, {"detail": detail})


def test_the_docs_ask_for_the_schema_and_no_validator():
    docs = Client().get("/docs").content.decode()
    assert '"url": "/openapi.json"' in docs and '"validatorUrl": null' in docs
    assert "Redoc.init('/openapi.json'" in Client().get("/redoc").content.decode()


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD"])
def test_the_docs_answer_other_methods_with_json(path, method):
    response = Client().generic(method, path)
    assert (response.status_code, response["Allow"]) == (405, "GET")
    if method != "HEAD":
        assert response.json() == {"detail": "Method Not Allowed"}


def test_the_openapi_texts_match_the_code():
    schema = Client().get("/openapi.json").json()
    item_create = schema["components"]["schemas"]["ItemCreate"]["description"]
    assert "not check" not in item_create and "Registry not found" in item_create
    assert "application password" in schema["info"]["description"]


# --- Markdown links -------------------------------------------------------------

LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE = re.compile(r"`[^`\n]*`")


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors of a file's headings: lower case, punctuation dropped,
    spaces as hyphens, -1, -2 ... for repeats."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", FENCE.sub("", markdown), re.MULTILINE):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
        slug = re.sub(r"[^\w\- ]", "", text.lower().replace("`", "")).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def links(markdown: str) -> list[str]:
    return LINK.findall(CODE.sub("", FENCE.sub("", markdown)))


def test_the_link_checker_reads_links_and_anchors_as_github_does():
    text = "# The `run.sh` script (local)\n## Results\n## Results\n```\n[not](a-link.md)\n```\nsee [a](b.md#c) and `[no](x)`"
    assert anchors(text) == {"the-runsh-script-local", "results", "results-1"}
    assert links(text) == ["b.md#c"]


@pytest.mark.parametrize("document", MARKDOWN, ids=str)
def test_every_relative_link_resolves_inside_the_repository(document):
    problems = []
    for target in links((ROOT / document).read_text()):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue  # a web page (its own host's business), mailto:...
        file = (ROOT / document).parent / unquote(parts.path) if parts.path else ROOT / document
        file = file.resolve()
        if not file.is_relative_to(ROOT) or "shared" in Path(unquote(parts.path)).parts:
            problems.append(f"{target}: outside the repository")
        elif not file.exists():
            problems.append(f"{target}: no such file")
        elif parts.fragment and file.suffix == ".md" and parts.fragment not in anchors(file.read_text()):
            problems.append(f"{target}: no heading #{parts.fragment} in {file.relative_to(ROOT)}")
    assert problems == []


# --- Repository paths named in code spans ---------------------------------------

TOP_LEVEL = ("registry_api", "items", "registries", "wpauth", "core", "tests", "scripts", "bench", "docs",
             "wordpress", "requirements", ".ci")  # fmt: skip
PATH = re.compile(r"^(?:\.\./|/)?[\w.\-]+(?:/[\w.\-*{}]+)+/?$")


def named_paths(markdown: str) -> list[str]:
    """The code spans that name a file or folder of the repository (or outside it)."""
    found = []
    for span in CODE.findall(FENCE.sub("", markdown)):
        text = span.strip("`").split("::")[0].split(":")[0].split("#")[0].strip()
        if text.startswith("../") or (PATH.match(text) and text.split("/")[0] in TOP_LEVEL):
            found.append(text)
    return found


def test_the_path_reader_finds_repository_paths():
    text = "see `items/models.py:12`, `../shared/CONTRACT.md`, `GET /items/{id}`, `a/b` and\n```\n`core/gone.py`\n```"
    assert named_paths(text) == ["items/models.py", "../shared/CONTRACT.md"]


@pytest.mark.parametrize("document", MARKDOWN, ids=str)
def test_every_repository_path_named_exists(document):
    problems = []
    for path in named_paths((ROOT / document).read_text()):
        if path.startswith("../"):
            problems.append(f"{path}: outside the repository")
        elif "*" in path or "{" in path:
            continue  # a pattern
        elif not (ROOT / path.rstrip("/")).exists():
            problems.append(f"{path}: no such file")
    assert problems == []
