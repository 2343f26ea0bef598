"""The pre-check's public names; it is built in commitments/judging/dryrun.py."""

from .judging.dryrun import PRECHECK_ID, VERDICTS, PrecheckResult, known_kinds, precheck_run

__all__ = ["PRECHECK_ID", "VERDICTS", "PrecheckResult", "known_kinds", "precheck_run"]
