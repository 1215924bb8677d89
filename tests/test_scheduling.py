"""How `make test` shares the suite between xdist workers (tests/factories/scheduling.py)."""

from tests.factories.scheduling import durations_from_log, scope_of


def test_a_test_runs_with_its_group_else_with_its_module() -> None:
    assert scope_of("tests/a/test_x.py::test_one") == "tests/a/test_x.py"
    assert scope_of("tests/a/test_x.py::Case::test_one[p]") == "tests/a/test_x.py"
    assert scope_of("tests/a/test_x.py::test_one@live-nodes") == "live-nodes"
    # an "@" inside a parameter is not a group
    assert scope_of("tests/a/test_x.py::test_one[a@b]") == "tests/a/test_x.py"


def test_durations_add_up_by_module() -> None:
    log = "\n".join(
        [
            "============ slowest durations ============",
            "12.50s setup    tests/a/test_x.py::test_one",
            "3.25s call     tests/a/test_x.py::test_two[p]",
            "1.00s teardown tests/b/test_y.py::test_three",
            "(12 durations < 0.005s hidden.)",
        ]
    )
    assert durations_from_log(log) == {"tests/a/test_x.py": 15.75, "tests/b/test_y.py": 1.0}
