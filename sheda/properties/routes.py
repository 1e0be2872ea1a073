"""/api/v1/properties (+ /api/v1/users/me/favorites): listings, photos, favourites, search."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda.common.access import Access
from sheda.common.http import (
    check_multipart,
    endpoint,
    no_content,
    parse_body,
    parse_query,
    respond,
    runtime,
)
from sheda.common.schemas import Page, PageQuery
from sheda.errors import FieldError
from sheda.properties import facets, images, search, service
from sheda.properties.schemas import (
    FacetsOut,
    GuidedPage,
    GuidedSearchIn,
    ImagesOut,
    ListingFilters,
    PropertyCreate,
    PropertyDetailOut,
    PropertyOut,
    PropertyPatch,
    PropertyQuery,
)
from sheda.users.principal import current

bp = Blueprint("properties", url_prefix="/api/v1/properties")
favorites_bp = Blueprint("favorites", url_prefix="/api/v1/users")
TAG = "Properties"

_MULTIPART_FILES = {
    "multipart/form-data": {
        "type": "object",
        "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
    }
}


@bp.get("")
@endpoint(
    Access.PUBLIC,
    summary="Search listings",
    tag=TAG,
    description="Active listings only. `q` matches title, description and address "
    "(substring, any case). `amenities` is a comma list; all must match. `status` defaults "
    "to `available`. Sorts: `newest` (default), `price_asc`, `price_desc`; ties are broken "
    "by id, so pages never repeat or skip a listing. Prices have at most 2 decimals. "
    "`city` and `state` match whole names in any case; GET /api/v1/properties/facets lists "
    "the cities, states and amenities there are, with counts.",
    query=PropertyQuery,
    responses={200: Page[PropertyOut]},
    errors=(422,),
)
async def list_properties(request: Request) -> HTTPResponse:
    query = parse_query(request, PropertyQuery)
    items, next_cursor = await search.search(query)
    return respond(Page[PropertyOut](items=items, next_cursor=next_cursor))


@bp.get("/facets")
@endpoint(
    Access.PUBLIC,
    summary="Counts for filter menus",
    tag=TAG,
    description="The same filters as the search (sort and paging aside): how many active "
    "listings match, by city, state, property type, listing type and amenity (each list by "
    "count, most first, then by name; at most 100 values), and their price range. Cities "
    "and states match as the search does (any case): `city=Lagos` finds nothing because "
    "Lagos is a state, which the `states` facet shows. Counts may be up to "
    "SHEDA_FACETS_CACHE_SECONDS (30 s) old: each worker keeps a set of filters' counts "
    "that long.",
    query=ListingFilters,
    responses={200: FacetsOut},
    errors=(422,),
)
async def property_facets(request: Request) -> HTTPResponse:
    query = parse_query(request, ListingFilters)
    cache = runtime(request).settings.facets_cache_seconds
    return respond(await facets.facets(query, cache_seconds=cache))


@bp.get("/<property_id:id>")
@endpoint(
    Access.PUBLIC,
    summary="A listing with its agent and price comparison",
    tag=TAG,
    description="An inactive listing is 404 except for its agent and admins.",
    responses={200: PropertyDetailOut},
    errors=(404,),
)
async def get_property(request: Request, property_id: int) -> HTTPResponse:
    viewer = request.ctx.principal
    online = runtime(request).presence.online
    return respond(await service.detail(property_id=property_id, caller=viewer, online=online))


@bp.post("")
@endpoint(
    Access.AGENT,
    summary="Create a listing",
    tag=TAG,
    description="`agent_id`, `status` and `is_active` are set by the server (sending them "
    "is a 422).",
    body=PropertyCreate,
    responses={201: PropertyOut},
)
async def create_property(request: Request) -> HTTPResponse:
    data = parse_body(request, PropertyCreate)
    out = await service.create(caller=current(request), data=data)
    return respond(out, status=201, headers={"Location": f"/api/v1/properties/{out.id}"})


@bp.patch("/<property_id:id>")
@endpoint(
    Access.AGENT,
    summary="Change my listing",
    tag=TAG,
    description="Partial. `status` may be set to available, rented or sold, not while a "
    "deal is pending (409). Another agent's visible listing is 403.",
    body=PropertyPatch,
    responses={200: PropertyOut},
    errors=(404, 409),
)
async def patch_property(request: Request, property_id: int) -> HTTPResponse:
    changes = parse_body(request, PropertyPatch)
    out = await service.update(
        rt=runtime(request), caller=current(request), property_id=property_id, changes=changes
    )
    return respond(out)


@bp.delete("/<property_id:id>")
@endpoint(
    Access.USER,
    summary="Delete a listing",
    tag=TAG,
    description="Its agent or an admin. 409 while a contract on it is pending or active. "
    "Pending and confirmed viewings of it are canceled (their clients get "
    "`appointment.canceled`); past viewings and closed contracts stay on record with "
    "`property_id` null.",
    responses={204: "Deleted"},
    errors=(404, 409),
)
async def delete_property(request: Request, property_id: int) -> HTTPResponse:
    await service.delete(rt=runtime(request), caller=current(request), property_id=property_id)
    return no_content()


@bp.post("/<property_id:id>/images")
@endpoint(
    Access.AGENT,
    summary="Add photos to my listing",
    tag=TAG,
    description="multipart `files`: 1 to 10 JPEG/PNG/WebP images, each at most 5 MB and "
    "40 megapixels, identified by content and re-encoded without metadata (EXIF, GPS). At "
    "most 30 per listing (409 beyond). One bad file stores none.",
    body=_MULTIPART_FILES,
    responses={201: ImagesOut},
    errors=(404, 409, 413, 415),
)
async def add_images(request: Request, property_id: int) -> HTTPResponse:
    check_multipart(request)
    uploads = request.files.getlist("files") if request.files else []
    if not uploads:
        raise FieldError.one("body.files", "Send the images as multipart field 'files'")
    out = await images.add_images(
        caller=current(request),
        property_id=property_id,
        files=[upload.body for upload in uploads],
        media=runtime(request).media,
    )
    return respond(ImagesOut(images=out), status=201)


@bp.delete("/<property_id:id>/images/<image_id:id>")
@endpoint(
    Access.AGENT,
    summary="Remove a photo from my listing",
    tag=TAG,
    description="When the primary photo goes, the next one becomes primary.",
    responses={204: "Removed"},
    errors=(404,),
)
async def delete_image(request: Request, property_id: int, image_id: int) -> HTTPResponse:
    await images.delete_image(
        caller=current(request),
        property_id=property_id,
        image_id=image_id,
        media=runtime(request).media,
    )
    return no_content()


@bp.post("/<property_id:id>/favorite")
@endpoint(
    Access.USER, summary="Save a listing", tag=TAG, description="Idempotent.",
    responses={204: "Saved"}, errors=(404,),
)
async def add_favorite(request: Request, property_id: int) -> HTTPResponse:
    await service.add_favorite(caller=current(request), property_id=property_id)
    return no_content()


@bp.delete("/<property_id:id>/favorite")
@endpoint(
    Access.USER, summary="Unsave a listing", tag=TAG, description="Idempotent.",
    responses={204: "Removed"},
)
async def remove_favorite(request: Request, property_id: int) -> HTTPResponse:
    await service.remove_favorite(caller=current(request), property_id=property_id)
    return no_content()


@bp.post("/search/guided")
@endpoint(
    Access.PUBLIC,
    summary="Guided search",
    tag=TAG,
    description="Three questions: listing type and budget, property type, bedrooms or "
    "city. Answers in the list format plus `filters_applied`. `limit` and `cursor` go in "
    "the query string. `budget_max` below `budget_min` is a 422.",
    body=GuidedSearchIn,
    query=PageQuery,
    responses={200: GuidedPage},
)
async def guided_search(request: Request) -> HTTPResponse:
    data = parse_body(request, GuidedSearchIn)
    page = parse_query(request, PageQuery)
    return respond(await service.guided(data=data, page=page))


@favorites_bp.get("/me/favorites")
@endpoint(
    Access.USER,
    summary="My saved listings",
    tag="Users",
    description="Most recently saved first; listings hidden since are left out.",
    query=PageQuery,
    responses={200: Page[PropertyOut]},
    errors=(422,),
)
async def my_favorites(request: Request) -> HTTPResponse:
    page = parse_query(request, PageQuery)
    return respond(await service.favorites(caller=current(request), page=page))
