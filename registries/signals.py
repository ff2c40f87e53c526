"""What the registries tell the apps above them."""

from django.dispatch import Signal

# A registry's post is gone from WordPress for good (`registry_id`): its items go too (D5).
registry_deleted = Signal()
