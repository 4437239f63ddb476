"""`ante show` and `ante list` mark what happened in blocks that are not final yet (ANTE_FINALITY_DEPTH sets
the depth)."""

import re


def test_show_marks_events_after_the_final_block(deployed, posted, monkeypatch):
    deployed.accept(posted)
    monkeypatch.setenv("ANTE_FINALITY_DEPTH", "1")  # the acceptance's block is the head: not final

    events = deployed.show(posted)["events"]
    assert [(e["event"], e["confirmed"]) for e in events] == [("ChallengeCreated", True),
                                                             ("ChallengeAccepted", False)]

    lines = deployed.ok("show", posted).out.splitlines()
    timeline = lines[lines.index("Timeline") + 1:]
    assert re.search(r"ChallengeCreated .* tx 0x[0-9a-f]{64}$", timeline[0]), timeline
    assert re.search(r"ChallengeAccepted .* tx 0x[0-9a-f]{64} \(unconfirmed\)$", timeline[1]), timeline


def test_every_event_of_a_local_chain_is_confirmed(deployed, posted, monkeypatch):
    monkeypatch.delenv("ANTE_FINALITY_DEPTH", raising=False)
    deployed.accept(posted)
    assert all(e["confirmed"] for e in deployed.show(posted)["events"])
    assert "(unconfirmed)" not in deployed.ok("show", posted).out
    assert "(unconfirmed)" not in deployed.ok("list").out
    assert [c["confirmed"] for c in deployed.ok("list", "--json").json()] == [True]


def test_list_marks_a_state_reached_after_the_final_block(deployed, posted, monkeypatch):
    second = deployed.post()
    deployed.accept(posted)  # challenge 1's latest event is now in the head block; challenge 2's is older
    monkeypatch.setenv("ANTE_FINALITY_DEPTH", "1")

    listed = deployed.ok("list", "--json").json()
    assert [(c["challenge_id"], c["state"], c["confirmed"]) for c in listed] == [(second, "open", True),
                                                                                 (posted, "accepted", False)]
    rows = {line.split()[0]: line for line in deployed.ok("list").out.splitlines()[1:]}
    assert "accepted (unconfirmed)" in rows[str(posted)], rows
    assert "unconfirmed" not in rows[str(second)], rows
