"""`ante records ADDRESS`: promise closeness, through the real chain.

Three promises by TEST::2: challenge 1 delivered two days early and settled at 90%, challenge 2 a day
late and settled at 60%, challenge 3 abandoned. Each submission's block is given its exact timestamp
(``chain.pending_timestamp``), so the lateness is known to the second.
"""

FUNDER, CONTRIBUTOR = "TEST::1", "TEST::2"
DAY = 86_400


def test_records_show_how_early_or_late_each_promise_was_delivered(deployed):
    chain = deployed.chain
    now = chain.blocks.head.timestamp
    early, late, dropped = (deployed.post() for _ in range(3))
    deployed.accept(early, by=str(now + 5 * DAY))
    deployed.accept(late, by=str(now + 3 * DAY))
    deployed.accept(dropped)
    chain.pending_timestamp = now + 3 * DAY  # two days before challenge 1's promise
    deployed.submit(early)
    chain.pending_timestamp = now + 4 * DAY  # a day after challenge 2's
    deployed.submit(late)
    deployed.ok("abandon", dropped, "--account", CONTRIBUTOR, "--yes")
    for challenge_id, score in ((early, "90%"), (late, "60%")):
        files = [deployed.sign(challenge_id, account, score) for account in ("TEST::5", "TEST::6")]
        deployed.settle(challenge_id, *files)

    lines = deployed.ok("records", deployed.addr(2)).out.strip().splitlines()
    assert lines[4:] == [
        "    delivered 1 of 3 promises on time (1 never delivered); median 12 hours early, worst 1 day late",
        f"      challenge {early}: 2 days early, scored 90.0%",
        f"      challenge {late}: 1 day late, scored 60.0%",
        "    calibration: no stated confidence has a verdict yet",
    ]

    closeness = deployed.ok("records", deployed.addr(2), "--json").json()["contributor"]["closeness"]
    assert closeness == {
        "delivered": 2, "on_time": 1, "undelivered": 1, "on_time_share": 1 / 3,
        "median_lateness": -DAY // 2, "worst_lateness": DAY,
        "deliveries": [
            {"challenge_id": early, "promised_by": now + 5 * DAY, "submitted_at": now + 3 * DAY,
             "lateness": -2 * DAY, "on_time": True, "score": 9_000},
            {"challenge_id": late, "promised_by": now + 3 * DAY, "submitted_at": now + 4 * DAY,
             "lateness": DAY, "on_time": False, "score": 6_000},
        ],
    }
    # The submissions' times are the chain's, as `ante show` reads them too.
    assert deployed.show(early)["submitted_at"] == now + 3 * DAY


def test_records_of_a_contributor_with_nothing_finished_say_nothing_of_closeness(deployed):
    challenge_id = deployed.post()
    deployed.accept(challenge_id)
    out = deployed.ok("records", deployed.addr(2)).out
    assert "on time" not in out and "early" not in out
    closeness = deployed.ok("records", deployed.addr(2), "--json").json()["contributor"]["closeness"]
    assert closeness == {"delivered": 0, "on_time": 0, "undelivered": 0, "on_time_share": None,
                         "median_lateness": None, "worst_lateness": None, "deliveries": []}
