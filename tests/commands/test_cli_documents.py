"""Documents on chain: a URL as it is, a local file only once published to a document store (--publish)."""

import re

import httpx
import pytest
from document_support import refusing_url, serve, serve_documents
from eth_utils import keccak

FUNDER, CONTRIBUTOR = "TEST::1", "TEST::2"
SPEC = "# Build the thing\nWith tests.\n"


def post_args(deployed, spec, *extra):
    return ["post", "--reward", "1 ether", "--panel", "1", "--accept-by", "+7d", "--deliver-within", "14d",
            "--review-within", "3d", "--spec", spec, "--account", FUNDER, "--yes", *extra]


def nothing_sent(deployed, accounts, chain, outcome, head, nonce):
    assert chain.blocks.head.number == head, str(outcome)
    assert accounts[1].nonce == nonce, str(outcome)
    assert deployed.ok("list", "--json").json() == []


def test_a_local_file_without_publish_is_refused_before_any_transaction(deployed, accounts, chain):
    spec = deployed.file("spec.md", SPEC)
    head, nonce = chain.blocks.head.number, accounts[1].nonce
    outcome = deployed.fails(2, *post_args(deployed, spec))
    assert outcome.message == ("The file given to --spec cannot be opened by anyone else: add --publish URL (an Ante "
                               "oracle, e.g. http://127.0.0.1:8700) to publish it there, or give a URL where it is "
                               "already published.")
    assert outcome.out == ""
    assert str(deployed.folder) not in outcome.err
    nothing_sent(deployed, accounts, chain, outcome, head, nonce)


def test_a_file_url_is_refused(deployed, accounts, chain):
    spec = deployed.file("spec.md", SPEC)
    head, nonce = chain.blocks.head.number, accounts[1].nonce
    outcome = deployed.fails(2, *post_args(deployed, spec.resolve().as_uri(), "--publish", deployed.publish))
    assert outcome.message.startswith("A file:// URL given to --spec cannot be opened by anyone else: give the file's "
                                      "path with --publish URL")
    nothing_sent(deployed, accounts, chain, outcome, head, nonce)


def test_post_publishes_a_local_spec_and_records_the_stores_url_and_the_files_hash(deployed, document_store):
    spec = deployed.file("spec.md", SPEC)
    outcome = deployed.ok(*post_args(deployed, spec, "--publish", deployed.publish))
    spec_hash = "0x" + keccak(SPEC.encode()).hex()
    url = f"{document_store.url}/documents/{spec_hash}"
    assert f"  spec           {url} (hash {spec_hash})" in outcome.out.splitlines()
    assert str(deployed.folder) not in outcome.out + outcome.err
    shown = deployed.show(1)
    assert (shown["spec_uri"], shown["terms"]["spec_hash"]) == (url, spec_hash)
    served = httpx.get(shown["spec_uri"], timeout=30)
    assert served.status_code == 200 and served.content == SPEC.encode()


def test_accept_and_submit_publish_through_ante_publish(deployed, posted, monkeypatch):
    monkeypatch.setenv("ANTE_PUBLISH", deployed.publish)
    promise = deployed.file("promise.md", "Ten days, alone, with tests.\n")
    deployed.ok("accept", posted, "--promise", promise, "--by", "+10d", "--account", CONTRIBUTOR, "--yes")
    work = deployed.file("work.bin", "")
    work.write_bytes(bytes(range(256)) * 3)
    deployed.ok("submit", posted, "--deliverable", work, "--account", CONTRIBUTOR, "--yes")
    shown = deployed.show(posted)
    for uri, digest, path in ((shown["promise_uri"], shown["promise_hash"], promise),
                              (shown["deliverable_uri"], shown["deliverable"], work)):
        assert digest == "0x" + keccak(path.read_bytes()).hex()
        assert uri == f"{deployed.publish}/documents/{digest}"
        assert httpx.get(uri, timeout=30).content == path.read_bytes()


def test_a_url_is_recorded_as_it_is_and_hashed_by_its_text_even_with_publish(deployed, document_store):
    deployed.ok(*post_args(deployed, "https://example.org/spec.md", "--publish", deployed.publish))
    shown = deployed.show(1)
    assert shown["spec_uri"] == "https://example.org/spec.md"
    assert shown["terms"]["spec_hash"] == "0x" + keccak(b"https://example.org/spec.md").hex()
    assert not document_store.store.has(shown["terms"]["spec_hash"])


def test_a_store_that_cannot_be_reached_is_one_sentence_and_nothing_is_sent(deployed, accounts, chain):
    spec = deployed.file("spec.md", SPEC)
    head, nonce = chain.blocks.head.number, accounts[1].nonce
    with refusing_url() as down:
        outcome = deployed.fails(1, *post_args(deployed, spec, "--publish", down))
    assert outcome.message.startswith(f"The document store at {down} cannot be reached (")
    assert outcome.message.endswith("start it (`ante oracle run`) or check --publish. No transaction was sent.")
    assert outcome.out == ""
    nothing_sent(deployed, accounts, chain, outcome, head, nonce)


def test_a_store_that_refuses_the_document_is_one_sentence_with_its_reason(deployed, accounts, chain, tmp_path):
    spec = deployed.file("spec.md", SPEC)
    head, nonce = chain.blocks.head.number, accounts[1].nonce
    with serve_documents(tmp_path / "small", max_size=10) as small:
        outcome = deployed.fails(2, *post_args(deployed, spec, "--publish", small.url))
    assert outcome.message == (f"The document store at {small.url} refused the document (413): The document is "
                               f"larger than the store's limit of 10 bytes.")
    nothing_sent(deployed, accounts, chain, outcome, head, nonce)


def test_a_store_that_answers_with_another_hash_is_not_trusted(deployed, accounts, chain):
    from fastapi import FastAPI

    liar = FastAPI()

    @liar.put("/documents/{name}", status_code=201)
    def put(name: str):
        return {"hash": "0x" + "00" * 32, "size": 1, "url": f"/documents/0x{'00' * 32}"}

    spec = deployed.file("spec.md", SPEC)
    head, nonce = chain.blocks.head.number, accounts[1].nonce
    with serve(liar) as url:
        outcome = deployed.fails(1, *post_args(deployed, spec, "--publish", url))
    spec_hash = "0x" + keccak(SPEC.encode()).hex()
    assert outcome.message == (f"The document store at {url} answered with hash 0x{'00' * 32} for a document whose "
                               f"hash is {spec_hash}; it cannot be trusted to serve it. No transaction was sent.")
    nothing_sent(deployed, accounts, chain, outcome, head, nonce)


@pytest.mark.parametrize("publish", ["127.0.0.1:8700", "ftp://example.org", "file:///tmp"])
def test_publish_must_be_an_http_url(deployed, publish):
    spec = deployed.file("spec.md", SPEC)
    message = deployed.bad_input(*post_args(deployed, spec, "--publish", publish))
    assert message == (f"--publish takes the http(s) address of an Ante oracle, e.g. http://127.0.0.1:8700, "
                       f"not {publish!r}.")


@pytest.mark.parametrize("command", ["post", "accept", "submit"])
def test_help_explains_publish_with_an_example(command):
    from click.testing import CliRunner

    from ante.cli.main import cli

    text = CliRunner(mix_stderr=False).invoke(cli, [command, "--help"], prog_name="ante").stdout
    assert "--publish URL" in text and "ANTE_PUBLISH" in text
    joined = re.sub(r"\\\n\s*", " ", text)  # an example's continuation lines, joined
    assert re.search(rf"^\s+ante {command} .*--publish http://127\.0\.0\.1:8700", joined, re.MULTILINE), text
