"""What the pre-check reads: one customer around one new action, and the shop's promises.

On PostgreSQL the pre-check reads in one statement (`precheck_customer`): the customer's
row holds, as JSON, its stored commitments, its actions, the occasion named and its last
experiences, and the stamp of the shop's promises, which each process keeps between
pre-checks and reads again whenever the stamp changes (`precheck_promises_customer`). On
SQLite the same rows come from separate queries. Either way they are the rows of `load`
(`LoggedAction`, `LoggedOccasion`, `Commitment`), walked as judging walks them.
"""

import json
from datetime import datetime

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DateTimeField,
    IntegerField,
    Max,
    Q,
    TextField,
)
from django.db.models.expressions import RawSQL

from policies.models import Promise, PromiseVersion

from ..models import (
    Action,
    ActionException,
    Check,
    Commitment,
    Customer,
    Finding,
    FindingType,
    Occasion,
    UnjudgedAction,
    action_waiting,
)
from .load import (
    ACTION_FIELDS,
    OCCASION_FIELDS,
    LoadedPromise,
    Log,
    LoggedAction,
    LoggedException,
    LoggedOccasion,
    calendar_for,
    occasions_read,
    promises_group,
    promises_load,
    public_load,
)
from .reconcile import COMMITMENTS

# ------------------------------------------------------------------------------
# The shop's promises kept between pre-checks (this process), checked on every use
# ------------------------------------------------------------------------------
# The stamp's SQL (PostgreSQL and SQLite both read it; only the aggregate joining texts is
# spelled differently). Written out rather than built by the ORM: it is part of every
# pre-check's customer query, and building it as expressions costs more than running it.
_STAMP_SQL = (
    "COALESCE((SELECT COUNT(v.id) || ':' || MAX(v.id) || ':' || MAX(v.created_at)"
    " FROM {versions} v JOIN {promises} p ON v.promise_id = p.id WHERE p.shop_id = %s), '')"
    " || '/' || COALESCE((SELECT {join}(p.id || ':' || p.kind || ':' || p.created_at || ':'"
    " || COALESCE(CAST(p.retired_at AS TEXT), '-') || ':' || LENGTH(p.name) || ':' || p.name,"
    " '|') FROM {promises} p WHERE p.shop_id = %s), '')"
)


def promises_stamp(shop_id: int) -> RawSQL:
    """Return an expression whose value changes whenever the shop's promises change.

    Versions are written once and never changed or deleted (policies.models.WriteOnce and the
    database's triggers): their count, highest id and latest creation tell every new one.
    A promise's name and retirement change in place: each promise is spelled out (id, kind,
    created, retired, name; the name's length first, so the text parses one way only).
    """
    sql = _STAMP_SQL.format(
        versions=PromiseVersion._meta.db_table,
        promises=Promise._meta.db_table,
        join="GROUP_CONCAT" if connection.vendor == "sqlite" else "STRING_AGG",
    )
    return _raw(sql, (shop_id, shop_id), CharField())


# Per shop id: (the stamp read with them, every promise of the shop). A process keeps what
# it read last and uses it only when a query made anyway reads the same stamp (the
# pre-check's customer query): a promise changed by any process is read again by the next
# pre-check everywhere.
_SHOP_PROMISES: dict[int, tuple[str, list[LoadedPromise]]] = {}
_SHOP_PROMISES_MAX = 256


def _shop_promises_read(shop) -> tuple[str | None, list[LoadedPromise]]:
    """Return every promise of the shop and their stamp, read in one query (one snapshot),
    and keep them for the next pre-checks of this process."""
    versions = list(
        PromiseVersion.objects.filter(promise__shop=shop)
        .select_related("promise")
        .annotate(promises_stamp=promises_stamp(shop.pk))
    )
    loaded = promises_group(versions)
    stamp = versions[0].promises_stamp if versions else None
    if stamp is not None:
        if len(_SHOP_PROMISES) >= _SHOP_PROMISES_MAX:
            _SHOP_PROMISES.clear()
        _SHOP_PROMISES[shop.pk] = (stamp, loaded)
    return stamp, loaded


def _judging(shop_promises: list[LoadedPromise], *, kind: str, moment: datetime):
    """Return the promises judging `kind` in force at `moment` (as `precheck_promises`)."""
    return [
        loaded
        for loaded in shop_promises
        if loaded.kind.action_kind == kind and loaded.in_force(moment) is not None
    ]


def precheck_promises_customer(
    *, shop, external_id: str, kind: str, moment: datetime, occasion: str = ""
) -> tuple[list[LoadedPromise], Customer | None, list[LoadedPromise]]:
    """Return the promises a new action is judged by (`precheck_promises`), the customer as
    `precheck_customer` reads it, and every promise of the shop.

    The promises this process read last for the shop are used when the customer's query,
    which reads their stamp (`promises_stamp`) too, says they are unchanged: one query
    instead of two. Otherwise (the first pre-check of the shop here, a change, an unknown
    customer) they are read again, with their stamp, and the customer is read again only if
    the promises involved differ from those its query was made for.
    """
    seen = _SHOP_PROMISES.get(shop.pk)
    customer = None
    used = None
    if seen is not None:
        involved = _judging(seen[1], kind=kind, moment=moment)
        customer = precheck_customer(
            shop=shop,
            external_id=external_id,
            kind=kind,
            promises=involved,
            stamp=True,
            occasion=occasion,
            moment=moment,
        )
        if customer is not None and customer.promises_stamp == seen[0]:
            return involved, customer, seen[1]
        used = [loaded.promise.pk for loaded in involved]
    _stamp, shop_promises = _shop_promises_read(shop)
    involved = _judging(shop_promises, kind=kind, moment=moment)
    if seen is None or (
        customer is not None and used != [loaded.promise.pk for loaded in involved]
    ):
        customer = precheck_customer(
            shop=shop,
            external_id=external_id,
            kind=kind,
            promises=involved,
            occasion=occasion,
            moment=moment,
        )
    return involved, customer, shop_promises


def precheck_promises(*, shop, kind: str, moment: datetime) -> list[LoadedPromise]:
    """Return the promises a new action of `kind` at `moment` is judged by (the pre-check):
    those judging the kind and in force at the moment; the others' findings cannot change."""
    return [
        loaded
        for loaded in promises_load(shop=shop, action_kind=kind)
        if loaded.in_force(moment) is not None
    ]


def precheck_customer(
    *,
    shop,
    external_id: str,
    kind: str,
    promises: list[LoadedPromise] = (),
    stamp: bool = False,
    occasion: str = "",
    moment: datetime | None = None,
) -> Customer | None:
    """Return the shop's customer with this external id, or None, with what the pre-check
    reads of it in the same query: `kind_state`, (kind, the time of its latest action of the
    kind, whether one of them is unjudged), for `can_resume` and `stored_current`;
    `public_told`, (the `promises`' ids, whether the shop has told any of their precedents
    publicly), for `precheck_load` (when none, `public_load` is not needed); with `stamp`,
    `promises_stamp`, the shop's promises' (`promises_stamp`); on PostgreSQL `stored_read`,
    (the ids, the customer's commitments to them by promise id), `actions_read`, with
    `occasion` `occasion_read` (the external id, the occasion or None), for `precheck_load`,
    and with `moment`, when a new action then resumes (`can_resume`), `history_read`."""
    ids = [loaded.promise.pk for loaded in promises]
    sql = _customer_sql(shop=shop, kind=kind, ids=ids, occasion=occasion, moment=moment)
    if stamp:
        sql["promises_stamp"] = promises_stamp(shop.pk)
    customer = Customer.objects.filter(shop=shop, external_id=external_id).annotate(**sql).first()
    if customer is not None:
        customer.kind_state = (kind, customer.kind_latest, bool(customer.kind_unjudged))
        customer.public_told = (ids, bool(getattr(customer, "public_any", False)))
        if "stored_json" in sql:
            customer.stored_read = (ids, _stored_parse(customer.stored_json))
        if customer.__dict__.get("history_json") is not None:  # resumed (PostgreSQL)
            customer.history_read = (ids, _history_parse(customer.history_json))
        if "actions_json" in sql:
            customer.actions_read = ((kind, occasion), _actions_parse(customer.actions_json))
        if "occasion_json" in sql:
            customer.occasion_read = (occasion, _occasion_parse(customer.occasion_json))
    return customer


# Whether action `a` waits to be judged: a subquery per action, by the waiting table's key.
# Not a join: planning any join to that table estimated the join key's range from its
# index's ends, which a judging's deletes fill with dead entries until a vacuum (13 ms a
# plan after a year judged, docs/PERFORMANCE.md "The actions waiting, a table of their own").
_WAITING = (
    f"EXISTS(SELECT 1 FROM {UnjudgedAction._meta.db_table} u"  # noqa: S608 - a table name
    " WHERE u.action_id = a.id)"
)


def _customer_sql(
    *, shop, kind: str, ids: list[int], occasion: str, moment: datetime | None
) -> dict:
    """Return the annotations of the pre-check's customer query (`precheck_customer`).

    Written out (RawSQL) rather than built as ORM expressions: building them took longer
    than running them. Aggregates over the customer's actions (its index), each asking for
    its row of the actions waiting (`_WAITING`), as can_resume's own query. On PostgreSQL the
    customer's
    stored commitments to the promises and the occasion named come in the same row, as JSON
    (one round trip instead of up to three).
    """
    # Only table and column names are formatted into the SQL; values are bound parameters.
    customer = f"{Customer._meta.db_table}.id"
    mine = (
        f"FROM {Action._meta.db_table} a WHERE a.customer_id = {customer}"
        " AND a.shop_id = %s AND a.kind = %s"
    )
    annotations = {
        "kind_latest": _raw(
            f"(SELECT MAX(a.occurred_at) {mine})", (shop.pk, kind), DateTimeField()
        ),
        "kind_unjudged": _raw(
            f"(SELECT SUM(CASE WHEN {_WAITING} THEN 1 ELSE 0 END) {mine})",
            (shop.pk, kind),
            IntegerField(),
        ),
    }
    marks = ", ".join(["%s"] * len(ids))
    if ids:
        told = (
            f"EXISTS(SELECT 1 FROM {Finding._meta.db_table} f WHERE f.shop_id = %s"  # noqa: S608
            " AND f.type = %s AND f.public_at IS NOT NULL AND f.action_id IS NOT NULL"
            f" AND f.promise_id IN ({marks}))"
        )
        annotations["public_any"] = _raw(
            told, (shop.pk, FindingType.PRECEDENT, *ids), BooleanField()
        )
    if connection.vendor != "postgresql":
        return annotations
    if ids:
        columns = ", ".join(f"c.{column}" for column in STORED_FIELDS)
        stored = (
            f"(SELECT CAST(json_agg(json_build_array({columns})) AS TEXT)"  # noqa: S608
            f" FROM {Commitment._meta.db_table} c WHERE c.customer_id = {customer}"
            f" AND c.promise_id IN ({marks}))"
        )
        annotations["stored_json"] = _raw(stored, tuple(ids), TextField())
        if moment is not None:
            annotations["history_json"] = _raw(
                *_history_sql(shop=shop, kind=kind, ids=ids, moment=moment)
            )
    annotations["actions_json"] = _raw(*_actions_sql(shop=shop, kind=kind, occasion=occasion))
    if occasion:
        columns = ", ".join(f"o.{column}" for column in OCCASION_FIELDS)
        named = (
            f"(SELECT CAST(json_build_array({columns}) AS TEXT)"  # noqa: S608
            f" FROM {Occasion._meta.db_table} o WHERE o.shop_id = %s AND o.external_id = %s)"
        )
        annotations["occasion_json"] = _raw(named, (shop.pk, occasion), TextField())
    return annotations


# How many of a customer's last experiences of each promise the pre-check shows.
HISTORY_SIZE = 5


def _history_sql(
    *, shop, kind: str, ids: list[int], moment: datetime
) -> tuple[str, tuple, TextField]:
    """Return the SQL of the customer's last HISTORY_SIZE stored checks of each promise
    (newest first, numbered per promise) with whether a finding excused them, as one JSON
    array in the customer's row (PostgreSQL): what a resumed pre-check shows as history
    (`dryrun._stored_history`), read with the customer rather than after it.

    Read only when a new action of `kind` at `moment` resumes, as `can_resume` decides (no
    re-judge pending, every action of the kind judged and earlier than the moment): NULL
    otherwise (a walked pre-check makes its history from the walk).
    """
    customer = Customer._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    resumes = (
        f"{customer}.rejudge_requested_at IS NULL AND {customer}.judge_failed_at IS NULL"  # noqa: S608
        f" AND NOT EXISTS(SELECT 1 FROM {Action._meta.db_table} a"
        f" WHERE a.customer_id = {customer}.id AND a.shop_id = %s AND a.kind = %s"
        f" AND (a.occurred_at >= %s OR {_WAITING}))"
    )
    history = (
        "(SELECT CAST(json_agg(json_build_array(h.promise_id, h.rank, h.external_id,"  # noqa: S608
        " h.occurred_at, h.level, h.kept, h.excused) ORDER BY h.promise_id, h.rank) AS TEXT)"
        " FROM (SELECT k.promise_id, ROW_NUMBER() OVER (PARTITION BY k.promise_id"
        " ORDER BY k.occurred_at DESC, a.external_id DESC) AS rank, a.external_id,"
        " k.occurred_at, k.level, k.kept, EXISTS(SELECT 1"
        f" FROM {Finding._meta.db_table} f WHERE f.action_id = k.action_id AND f.excused"
        f" AND f.promise_id = k.promise_id) AS excused FROM {Check._meta.db_table} k"
        f" JOIN {Action._meta.db_table} a ON k.action_id = a.id"
        f" WHERE a.customer_id = {Customer._meta.db_table}.id AND k.promise_id IN ({marks}))"
        " h WHERE h.rank <= %s)"
    )
    sql = f"CASE WHEN {resumes} THEN COALESCE({history}, '[]') END"
    return sql, (shop.pk, kind, moment, *ids, HISTORY_SIZE), TextField()


def _history_parse(text: str | None) -> list[tuple]:
    """Return the history read as JSON (`_history_sql`): (promise id, rank, action's external
    id, occurred at, level, kept, excused) as the ORM reads them, by promise and rank."""
    rows = []
    for promise_id, rank, external_id, occurred_at, level, kept, excused in (
        json.loads(text) if text else ()
    ):
        level = None if level is None else float(level)
        rows.append((promise_id, rank, external_id, _json_time(occurred_at), level, kept, excused))
    return rows


def _actions_sql(*, shop, kind: str, occasion: str) -> tuple[str, tuple, TextField]:
    """Return the SQL of the customer's actions a walked pre-check reads (`precheck_load`),
    with their exceptions and the occasions they answer, as one JSON array in the customer's
    row (PostgreSQL). A resumed pre-check reads a part of them: those answering the occasion
    named, which the array holds too."""
    customer = f"{Customer._meta.db_table}.id"
    actions = Action._meta.db_table
    columns = ", ".join(
        [
            *(f"a.{column}" for column in ACTION_FIELDS),
            "e.reason",
            "e.status",
            *(f"o.{column}" for column in OCCASION_FIELDS[1:]),
        ]
    )
    wanted = (
        "a.kind = %s OR a.occasion_external_id IN (SELECT b.occasion_external_id"  # noqa: S608
        f" FROM {actions} b WHERE b.customer_id = {customer} AND b.shop_id = %s"
        " AND b.kind = %s AND b.occasion_external_id <> '')"
    )
    params = (shop.pk, kind, shop.pk, kind)
    if occasion:
        wanted += " OR a.occasion_external_id = %s"
        params += (occasion,)
    sql = (
        f"(SELECT CAST(json_agg(json_build_array({columns})"  # noqa: S608
        " ORDER BY a.occurred_at, a.external_id) AS TEXT)"
        f" FROM {actions} a LEFT JOIN {Occasion._meta.db_table} o ON a.occasion_id = o.id"
        f" LEFT JOIN {ActionException._meta.db_table} e ON e.action_id = a.id"
        f" WHERE a.customer_id = {customer} AND a.shop_id = %s AND ({wanted}))"
    )
    return sql, params, TextField()


def _actions_parse(text: str | None) -> list[tuple[LoggedAction, LoggedOccasion | None]]:
    """Return the actions read as JSON (`_actions_sql`) as `_precheck_actions` reads them,
    each with the occasion it answers (or None)."""
    width = len(ACTION_FIELDS)
    at = ACTION_FIELDS.index("occurred_at")
    read = []
    for row in json.loads(text) if text else ():
        row[at] = _json_time(row[at])
        reason, status = row[width], row[width + 1]
        action = LoggedAction(
            *row[:width], exception=None if reason is None else LoggedException(reason, status)
        )
        occasion = None
        if action.occasion_id is not None:
            external_id, kind, occurred_at, attributes = row[width + 2 :]
            occasion = LoggedOccasion(
                action.occasion_id, external_id, kind, _json_time(occurred_at), attributes
            )
        read.append((action, occasion))
    return read


def _raw(sql: str, params: tuple, output_field) -> RawSQL:
    """Return SQL written out in this module (names formatted in, values bound) as an
    expression."""
    return RawSQL(sql, params, output_field=output_field)  # noqa: S611 - see above


# What the pre-check reads of a stored commitment (`_customer_sql`), in this order: its keys
# and what judging stores of it.
STORED_FIELDS = ("id", "shop_id", "customer_id", "promise_id", *COMMITMENTS.fields)
_STORED_FLOATS = ("last_level", "best_level")
_STORED_TIMES = ("first_at", "last_at", "customer_last_order_at")


def _json_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _stored_parse(text: str | None) -> dict[int, Commitment]:
    """Return the commitments read as JSON (`_customer_sql`) by promise id, as the ORM reads
    them (a float column's whole number comes back as JSON's integer: made a float again)."""
    stored = {}
    for row in json.loads(text) if text else ():
        values = dict(zip(STORED_FIELDS, row, strict=True))
        for name in _STORED_FLOATS:
            if values[name] is not None:
                values[name] = float(values[name])
        for name in _STORED_TIMES:
            values[name] = _json_time(values[name])
        stored[values["promise_id"]] = Commitment(**values)
    return stored


def _occasion_parse(text: str | None) -> LoggedOccasion | None:
    """Return the occasion read as JSON (`_customer_sql`), or None when it is not stored."""
    if not text:
        return None
    values = dict(zip(OCCASION_FIELDS, json.loads(text), strict=True))
    values["occurred_at"] = _json_time(values["occurred_at"])
    return LoggedOccasion(**values)


def _kind_state(*, shop, customer: Customer, kind: str) -> tuple[datetime | None, bool]:
    """Return the time of the customer's latest action of the kind and whether one of them is
    unjudged: read with the customer (`precheck_customer`), else by one aggregate query."""
    known = getattr(customer, "kind_state", None)
    if known is not None and known[0] == kind:  # read with the customer (precheck_customer)
        return known[1], known[2]
    state = Action.objects.filter(shop=shop, customer=customer, kind=kind).aggregate(
        latest=Max("occurred_at"), unjudged=Count("pk", filter=action_waiting())
    )
    return state["latest"], state["unjudged"] > 0


def _judging_pending(customer: Customer | None) -> bool:
    """Return whether the customer is unknown or a re-judge is pending for it (a promise or
    calendar change marked it, or its last judging failed)."""
    return (
        customer is None
        or customer.rejudge_requested_at is not None
        or customer.judge_failed_at is not None
    )


def stored_current(*, shop, customer: Customer | None, kind: str) -> bool:
    """Return whether the customer's stored commitments to the promises judging this kind are
    what judging the stored log would give: every action of the kind is judged and no
    re-judge is pending for the customer. No query when the customer comes from
    `precheck_customer`, else one aggregate query."""
    return (
        not _judging_pending(customer)
        and not _kind_state(shop=shop, customer=customer, kind=kind)[1]
    )


def can_resume(*, shop, customer: Customer | None, kind: str, moment: datetime) -> bool:
    """Return whether a new action of this kind can be judged from the stored commitments.

    So when they are current (`stored_current`) and every action of this kind is earlier
    than the new one (it is the customer's latest): then the stored commitments are exactly
    the history the new action is judged against. One aggregate query, none when the
    customer comes from `precheck_customer` with the state of this kind.
    """
    if _judging_pending(customer):
        return False
    latest, unjudged = _kind_state(shop=shop, customer=customer, kind=kind)
    return not unjudged and (latest is None or latest < moment)


def _precheck_actions(queryset) -> tuple[list[LoggedAction], dict[int, LoggedOccasion]]:
    """Return the actions as `_actions` reads them and the occasions they answer, in one query
    (the occasions joined: `_occasions`' rows, without its round trip). Whether each waits to
    be judged is not read: the pre-check writes nothing (`stored_current` asks it per kind)."""
    rows = queryset.order_by("customer_id", "occurred_at", "external_id").values_list(
        *ACTION_FIELDS,
        "exception__reason",
        "exception__status",
        *(f"occasion__{column}" for column in OCCASION_FIELDS[1:]),
    )
    actions, occasions = [], {}
    width = len(ACTION_FIELDS) + 2
    for row in rows:
        action, joined = row[:width], row[width:]
        actions.append(
            LoggedAction(
                *action[:-2],
                exception=None if action[-2] is None else LoggedException(*action[-2:]),
            )
        )
        occasion_id = action[ACTION_FIELDS.index("occasion_id")]
        if occasion_id is not None and occasion_id not in occasions:
            occasions[occasion_id] = LoggedOccasion(occasion_id, *joined)
    return actions, occasions


def precheck_load(
    *,
    shop,
    customer: Customer | None,
    kind: str,
    moment: datetime,
    occasion: str = "",
    promises: list[LoadedPromise],
) -> Log:
    """Return the log a new action of `kind` for `customer` is judged against (the pre-check).

    `promises` are the promises involved (`precheck_promises`), `customer` as
    `precheck_customer` read it for the same kind and promises (or None). Resumed from the
    stored commitments when the customer's state allows it (`can_resume`), else every action
    of the kind is walked. Either way the actions answering the occasion named are loaded
    (what judges see as `related`), with the occasions they answer (joined); the occasion
    named is read on its own only when no action loaded answers it.
    """
    ids = [loaded.promise.pk for loaded in promises]
    stored = {}
    if customer is not None and promises:
        read = getattr(customer, "stored_read", None)  # with the customer (PostgreSQL)
        if read is not None and read[0] == ids:
            stored = read[1]
        else:
            stored = {
                commitment.promise_id: commitment
                for commitment in Commitment.objects.filter(customer=customer, promise_id__in=ids)
            }
    resume = can_resume(shop=shop, customer=customer, kind=kind, moment=moment)
    actions: list[LoggedAction] = []
    occasions: dict[int, LoggedOccasion] = {}
    read = getattr(customer, "actions_read", None)  # with the customer (PostgreSQL)
    if read is not None and read[0] == (kind, occasion):
        # The walked pre-check's actions; resumed, those answering the occasion named (the
        # rows the query below reads, in the same order).
        for action, answering in read[1]:
            if resume and not (occasion and action.occasion_external_id == occasion):
                continue
            actions.append(action)
            if answering is not None and answering.id not in occasions:
                occasions[answering.id] = answering
    elif customer is not None:
        mine = Action.objects.filter(shop=shop, customer=customer)
        if resume:
            # What judges see as `related`, earlier actions of the same kind too (replies to
            # the inquiry before this one); the resumed walk judges only the new action.
            wanted = Q(occasion_external_id=occasion) if occasion else None
        else:
            answered = mine.filter(kind=kind).exclude(occasion_external_id="")
            wanted = Q(kind=kind) | Q(
                occasion_external_id__in=answered.values("occasion_external_id")
            )
            if occasion:
                wanted |= Q(occasion_external_id=occasion)
        if wanted is not None:
            actions, occasions = _precheck_actions(mine.filter(wanted))
    if occasion and not any(o.external_id == occasion for o in occasions.values()):
        read = getattr(customer, "occasion_read", None)  # with the customer (PostgreSQL)
        if read is not None and read[0] == occasion:
            occasions.update({read[1].id: read[1]} if read[1] is not None else {})
        else:
            occasions.update(occasions_read(shop=shop, actions=[], named=occasion))
    answered = next((o for o in occasions.values() if occasion and o.external_id == occasion), None)
    # Read unless the customer's query said that none of these promises' precedents is.
    told = customer is None or customer.public_told != (ids, False)
    customer_key = customer.pk if customer is not None else None
    return Log(
        actions=actions,
        occasions=occasions,
        promises=promises,
        calendar=calendar_for(shop),
        resume={(customer_key, pk): row for pk, row in stored.items()} if resume else None,
        answered=answered,
        stored=stored,
        current=stored_current(shop=shop, customer=customer, kind=kind),
        public=public_load(shop=shop, promise_ids=ids) if told else {},
    )
