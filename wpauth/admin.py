"""No Users or Groups screens: the admin's users are WordPress's administrators,
mirrored at each login (wpauth.administrators), and nothing is edited here."""

from django.contrib import admin
from django.contrib.auth.models import Group, User

admin.site.unregister(User)
admin.site.unregister(Group)
