"""GET /importErrors: the files under dags/ that failed to import, one query of their partition."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.auth import requires
from updraft.api.errors import disallowed_order
from updraft.api.listing import page
from updraft.api.request import Query, services
from updraft.api.serializers import import_error_json

router = Router()

ORDERABLE = {"id": "import_error_id", "import_error_id": "import_error_id", "timestamp": "timestamp",
             "filename": "filename"}


@router.get("/importErrors")
@requires("dag")
def get_import_errors() -> dict:
    query = Query.of(router)
    limit, offset = query.paging()
    order_by = query.one("order_by") or "id"
    field = ORDERABLE.get(order_by.lstrip("-"))
    if field is None:
        raise disallowed_order(order_by)
    errors = [import_error_json(e) for e in services(router).dags.list_import_errors()]
    errors.sort(key=lambda e: (e[field] is None, e[field] if e[field] is not None else 0),
                reverse=order_by.startswith("-"))
    return {"import_errors": page(errors, offset, limit), "total_entries": len(errors)}
