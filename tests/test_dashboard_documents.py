"""The challenge page links its spec, promise and deliverable to their URLs, and a link to a document
published in the oracle's own store opens the document's bytes (a real HTTP server over the oracle's app)."""

from dataclasses import replace
from html.parser import HTMLParser

import httpx
from document_support import serve
from lifecycle import DAY, Bounties
from oracle_support import oracle, oracle_client, store, store_path  # noqa: F401

from ante.documents import publish
from ante.oracle.app import create_app


class Links(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.hrefs.append(dict(attrs)["href"])


def test_the_challenge_page_links_each_published_document_to_its_bytes(oracle, ante, chain, funder, contributor,
                                                                        relayer, evaluators, panel_2of3):
    documents = {"spec": b"# Spec\nBuild the thing.\n", "promise": b"In a day, alone.\n",
                 "deliverable": bytes(range(256))}
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_2of3)
    with serve(create_app(oracle)) as base:
        published = {name: publish(base, data) for name, data in documents.items()}
        (spec_hash, spec_url), (promise_hash, promise_url), (work_hash, work_url) = published.values()
        terms = replace(b.terms(), spec_hash=spec_hash)
        cid, record, _ = b.create(terms, uri=spec_url)
        ante.accept(cid, record.as_tuple(), promise_hash, b.now + DAY, promise_url, 0, sender=contributor,
                    value=terms.stake)
        record = record.accepted_by(contributor.address)
        ante.submit(cid, record.as_tuple(), work_hash, work_url, sender=contributor)
        oracle.run_once()
        page = httpx.get(f"{base}/ui/challenges/{cid}", timeout=30)
        assert page.status_code == 200
        links = Links(page.text).hrefs
        for name, (digest, url) in published.items():
            assert url == f"{base}/documents/0x{digest.hex()}"
            assert url in links, f"the page does not link the {name} to {url}"
            opened = httpx.get(url, timeout=30)
            assert opened.status_code == 200 and opened.content == documents[name], name
