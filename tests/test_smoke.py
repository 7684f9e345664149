"""The worked example end to end, in-process and as a real process."""

SEED = "x0**2+3*x1; x1**2+2*x0"


def test_worked_example_json(vjp):
    d = vjp("jacobian", SEED, "--at", "2,3", "--format", "json").json()
    assert d["jacobian"] == [[4.0, 3.0], [2.0, 6.0]]
    assert d["value"] == [13.0, 13.0]
    assert d["method"] == "rows"


def test_worked_example_subprocess_piped(vjp_process):
    r = vjp_process("jacobian", SEED, "--at", "2,3")
    assert r.code == 0, r.stderr
    assert r.stdout == "4\t3\n2\t6\n"
