"""The admin's lists of the log open, an action's judged_at read with the list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import at


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["customer", "occasion", "action", "finding", "check"])
def test_each_log_list_opens(admin_client, shop, log, make_promise, model):
    make_promise("handwritten_note", {"min_lines": 8})
    log.occasion("O-1", "C-1", "order_placed", at("2026-11-20 10:00"))
    log.action("N-1", "C-1", "note_enclosed", at("2026-11-20 11:00"), occasion="O-1", lines=5)
    log.action("N-2", "C-1", "note_enclosed", at("2026-11-21 11:00"), lines=9, judge=False)
    response = admin_client.get(f"/admin/commitments/{model}/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_actions_list_reads_whether_each_waits_with_the_list(admin_client, shop, log):
    for n in range(5):
        log.action(f"N-{n}", f"C-{n}", "note_enclosed", at("2026-11-21 11:00"), lines=9)
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get("/admin/commitments/action/")
    assert response.status_code == 200
    # No query per action: whether each waits comes with the list (an EXISTS in it).
    alone = [q["sql"] for q in captured.captured_queries]
    assert not [sql for sql in alone if sql.startswith('SELECT 1 AS "a" FROM "commitments_unj')]
