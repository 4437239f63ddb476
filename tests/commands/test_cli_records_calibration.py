"""`ante records ADDRESS`: calibration, through the real chain.

TEST::2 accepts three challenges (reward 1 ETH, stake 10%): stating 80% (settled at 90%), stating 60%
(settled at 0%), and with 70% kept private (settled at 100%). Two statements met a verdict:
Brier = ((0.8 - 0.9)^2 + (0.6 - 0)^2) / 2 = 0.185. Each bet's Kelly break-even is
0.1 / (1 + 0.1) = 1/11, so the Kelly advice scores ((1/11 - 0.9)^2 + (1/11 - 0)^2) / 2 = 8021/24200.
"""

from fractions import Fraction

CONTRIBUTOR = "TEST::2"


def test_records_score_the_stated_confidences_against_the_verdicts(deployed):
    stated_high, stated_low, private = (deployed.post() for _ in range(3))
    deployed.accept(stated_high, "--p", "80%")
    deployed.accept(stated_low, "--p", "0.6")
    deployed.accept(private, "--p", "70%", "--keep-p-private")
    for challenge_id, score in ((stated_high, "90%"), (stated_low, "0%"), (private, "100%")):
        deployed.submit(challenge_id)
        files = [deployed.sign(challenge_id, account, score) for account in ("TEST::5", "TEST::6")]
        deployed.settle(challenge_id, *files)

    calibration = deployed.ok("records", deployed.addr(2), "--json").json()["contributor"]["calibration"]
    assert calibration == {"stated": 2, "brier": float(Fraction(37, 200)), "kelly_brier": float(Fraction(8021, 24200))}

    out = deployed.ok("records", deployed.addr(2)).out
    lines = out.strip().splitlines()
    start = lines.index("    calibration: Brier 0.185 over 2 stated confidences (the Kelly break-even scores 0.331; "
                        "0 is perfect)")
    assert lines[start + 1:start + 3] == [
        f"      challenge {stated_high}: stated 80%, scored 90% (Kelly break-even 9.09%)",
        f"      challenge {stated_low}: stated 60%, scored 0% (Kelly break-even 9.09%)",
    ]
    assert f"challenge {private}: stated" not in out
