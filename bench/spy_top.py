"""The top of a py-spy profile: the functions with the most samples, inclusive and own.

py-spy samples a running process (no instrumentation, so the figures are not inflated the
way cProfile inflates many small calls). Record in the "raw" (collapsed stacks) format,
then summarise here:

    .venv/bin/py-spy record --format raw -r 250 -o /tmp/workers.txt --pid <worker pid>
    .venv/bin/py-spy record --format raw -r 250 -o /tmp/list.txt -- .venv/bin/python ...
    .venv/bin/python bench/spy_top.py /tmp/list.txt --top 25 --under finding_list

--under keeps only the samples whose stack passes through a function of that name (the
measured request, not the set-up); --idle keeps the samples py-spy took while the thread
waited (recorded with --idle), such as waiting on PostgreSQL's answer.
"""

import argparse
import re
import sys
from collections import Counter

# "function (path/to/file.py:line)"; the line is dropped so a function counts once.
FRAME = re.compile(r"^(?P<function>.*?) \((?P<path>.*?)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    """Return "function (file)" of one collapsed frame, the file shortened to its last two
    parts (`site-packages/django/template/base.py` → `template/base.py`)."""
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    parts = match["path"].split("/")
    return f"{match['function']} ({'/'.join(parts[-2:])})"


def summarise(lines, *, under: str | None = None) -> tuple[int, Counter, Counter]:
    """Return the samples counted, and per function its inclusive and own samples."""
    total, inclusive, own = 0, Counter(), Counter()
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        frames = [frame_name(frame) for frame in stack.split(";") if frame]
        if under is not None:
            at = next((i for i, f in enumerate(frames) if f.startswith(f"{under} (")), None)
            if at is None:
                continue
            frames = frames[at:]
        n = int(count)
        total += n
        for name in set(frames):
            inclusive[name] += n
        if frames:
            own[frames[-1]] += n
    return total, inclusive, own


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", help="py-spy's output in the raw (collapsed) format")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--under", help="only the stacks through this function")
    args = parser.parse_args(argv)
    with open(args.raw, encoding="utf-8") as lines:
        total, inclusive, own = summarise(lines, under=args.under)
    if not total:
        print("no samples", file=sys.stderr)
        return 1
    print(f"{total} samples" + (f" under {args.under}" if args.under else ""))
    for title, counter in (("inclusive", inclusive), ("own", own)):
        print(f"\n{title:>9}  function")
        for name, n in counter.most_common(args.top):
            print(f"{100 * n / total:8.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
