"""A small process supervisor: start each command, start it again when it exits, stop all.

    python -m config.supervise --log-dir run \
        --process web "gunicorn config.wsgi -w 2 -b 127.0.0.1:8000" \
        --process worker-1 "python manage.py worker" \
        --process scheduler "python manage.py scheduler"

Each process writes to LOG_DIR/NAME.log. A process that exits is started again after a
delay that doubles while it keeps dying young (1 s up to 30 s) and resets once it has run
for a minute. SIGTERM or SIGINT stops every process politely (SIGTERM, then SIGINT, as an RQ
worker wants a second signal for a cold shutdown), and SIGKILL after a grace period. This is
what `make run` and `scripts/serve` use; in production systemd (deploy/) does the same job.
It uses the standard library only, and no Django.
"""

import argparse
import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

RESTART_DELAY_MAX = 30.0
HEALTHY_AFTER = 60.0
GRACE_SECONDS = 10.0


@dataclass
class Process:
    """One supervised command and its current run."""

    name: str
    argv: list[str]
    log_path: Path
    popen: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    delay: float = 1.0
    starts: int = 0
    exits: list[int] = field(default_factory=list)

    def start(self) -> None:
        """Start the command, appending its output to its log."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it open
        self.popen = subprocess.Popen(  # noqa: S603 - the operator's own commands
            self.argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.started_at = time.monotonic()
        self.starts += 1
        say(f"{self.name}: started (pid {self.popen.pid}, log {self.log_path})")


def say(message: str) -> None:
    print(f"[supervise] {time.strftime('%H:%M:%S')} {message}", flush=True)


class Supervisor:
    """Keep every process running until asked to stop."""

    def __init__(self, processes: list[Process]):
        self.processes = processes
        self.stopping = False

    def request_stop(self, signum, frame) -> None:
        self.stopping = True

    def run(self, *, poll: float = 0.2) -> None:
        """Start everything, restart what exits, and stop all when signalled."""
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        for process in self.processes:
            process.start()
        while not self.stopping:
            now = time.monotonic()
            for process in self.processes:
                if process.popen is not None:
                    code = process.popen.poll()
                    if code is None:
                        continue
                    process.exits.append(code)
                    ran = now - process.started_at
                    process.delay = 1.0 if ran >= HEALTHY_AFTER else process.delay
                    process.restart_at = now + process.delay
                    say(
                        f"{process.name}: exited with {code} after {ran:.0f} s; "
                        f"starting it again in {process.delay:.0f} s"
                    )
                    process.delay = min(process.delay * 2, RESTART_DELAY_MAX)
                    process.popen = None
                elif now >= process.restart_at:
                    process.start()
            time.sleep(poll)
        self.stop_all()

    def stop_all(self) -> None:
        """Stop every process: SIGTERM, then SIGINT, then SIGKILL after the grace period."""
        running = [p for p in self.processes if p.popen is not None]
        say(f"stopping {len(running)} processes")
        for sig in (signal.SIGTERM, signal.SIGINT):
            for process in running:
                if process.popen.poll() is None:
                    _signal_group(process.popen, sig)
            deadline = time.monotonic() + GRACE_SECONDS / 2
            while time.monotonic() < deadline and any(p.popen.poll() is None for p in running):
                time.sleep(0.1)
        for process in running:
            if process.popen.poll() is None:
                say(f"{process.name}: killed after the grace period")
                _signal_group(process.popen, signal.SIGKILL)
                process.popen.wait()
        say("stopped")


def _signal_group(popen: subprocess.Popen, sig: int) -> None:
    """Signal the process; SIGKILL also reaches its children (gunicorn's, an RQ work horse).

    The polite signals go to the process alone: gunicorn stops its own workers, and an RQ
    worker lets its work horse finish the job in hand (warm shutdown).
    """
    with contextlib.suppress(ProcessLookupError):
        if sig == signal.SIGKILL:
            os.killpg(popen.pid, sig)
        else:
            popen.send_signal(sig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--log-dir", default="run", help="folder of the NAME.log files")
    parser.add_argument(
        "--process",
        nargs=2,
        action="append",
        metavar=("NAME", "COMMAND"),
        required=True,
        help="a name and a command line (repeatable)",
    )
    options = parser.parse_args(argv)
    log_dir = Path(options.log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    processes = [
        Process(name=name, argv=shlex.split(command), log_path=log_dir / f"{name}.log")
        for name, command in options.process
    ]
    Supervisor(processes).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
