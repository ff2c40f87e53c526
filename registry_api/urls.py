from django.conf import settings
from django.urls import path, re_path

from .api import api
from .docs import redoc_view
from .views import not_found

urlpatterns = [path("", api.urls), path("redoc", redoc_view(api), name="redoc")]
if settings.ADMIN_ENABLED:  # only then: the admin package is not even imported on Lambda
    from django.contrib import admin

    urlpatterns.insert(0, path("admin/", admin.site.urls))
if settings.DOCS_OFFLINE:
    # The files of /docs and /redoc (and the admin's), served by this process
    # whatever server runs it: nothing else to set up locally.
    static_files = rf"^{settings.STATIC_URL.strip('/')}/(?P<path>.+)$"
    if settings.ADMIN_ENABLED:
        from django.contrib.staticfiles import views as staticfiles_views  # from every installed app

        urlpatterns.append(re_path(static_files, staticfiles_views.serve, {"insecure": True}))
    else:
        from django.views import static  # Ninja's files only: no staticfiles app without the admin

        urlpatterns.append(re_path(static_files, static.serve, {"document_root": settings.NINJA_STATIC_DIR}))
# Last: every other path is a JSON 404 (Django's would be HTML, even with DEBUG on).
urlpatterns.append(re_path(r"^(?P<path>.*)$", not_found, name="not-found"))

handler400 = "registry_api.views.bad_request"
handler404 = "registry_api.views.page_not_found"
handler500 = "registry_api.views.server_error"
