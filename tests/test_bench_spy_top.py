"""The top of a py-spy profile (bench/spy_top.py): inclusive and own samples per function."""

from bench import spy_top

RAW = [
    "main (bench/run.py:10);judge (commitments/judging/reconcile.py:40);"
    "wait (site-packages/psycopg/connection.py:900) 6\n",
    "main (bench/run.py:10);judge (commitments/judging/reconcile.py:41);"
    "derive (commitments/judging/walk.py:12) 3\n",
    "main (bench/run.py:11);setup (bench/run.py:30) 1\n",
    "\n",
]


def test_inclusive_and_own_samples_per_function_lines_merged():
    total, inclusive, own = spy_top.summarise(RAW)
    assert total == 10
    # Two lines of one function count once per sample, not once per line.
    assert inclusive["judge (judging/reconcile.py)"] == 9
    assert inclusive["main (bench/run.py)"] == 10
    assert own == {
        "wait (psycopg/connection.py)": 6,
        "derive (judging/walk.py)": 3,
        "setup (bench/run.py)": 1,
    }


def test_under_keeps_the_stacks_through_that_function_from_it_down():
    total, inclusive, own = spy_top.summarise(RAW, under="judge")
    assert total == 9
    assert "main (bench/run.py)" not in inclusive
    assert inclusive["judge (judging/reconcile.py)"] == 9
    assert own["derive (judging/walk.py)"] == 3


def test_a_recursive_function_counts_each_sample_once():
    total, inclusive, _own = spy_top.summarise(["f (a.py:1);f (a.py:2);f (a.py:3) 4\n"])
    assert (total, inclusive["f (a.py)"]) == (4, 4)


def test_main_prints_both_tops(tmp_path, capsys):
    path = tmp_path / "raw.txt"
    path.write_text("".join(RAW), encoding="utf-8")
    assert spy_top.main([str(path), "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("10 samples")
    assert " 60.0%  wait (psycopg/connection.py)" in out
    assert spy_top.main([str(path), "--under", "nothing"]) == 1
