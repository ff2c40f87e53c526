from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path

from .api import api
from .views import not_found

urlpatterns = [path("", api.urls)]
if settings.ADMIN_ENABLED:
    urlpatterns.insert(0, path("admin/", admin.site.urls))
# Last: every other path is a JSON 404 (Django's would be HTML, even with DEBUG on).
urlpatterns.append(re_path(r"^(?P<path>.*)$", not_found, name="not-found"))

handler500 = "registry_api.views.server_error"
