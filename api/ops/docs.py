"""`/docs`: Swagger UI served from this process, its files from the `swagger-ui-bundle` package
(Swagger UI 4.15.5, Apache-2.0), never from a CDN: the page works offline and loads no third-party
script. Off (with `/openapi.json`) when `WEBSEARCH_API_DOCS=false`. ReDoc, which has no such package,
is not served.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"


def install(app: FastAPI) -> None:
    if not app.openapi_url:  # WEBSEARCH_API_DOCS=false: neither the page nor the schema
        return
    import swagger_ui_bundle

    app.mount(ASSETS, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui():
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} — API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )
