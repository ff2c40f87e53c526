from django.apps import AppConfig


class ItemsConfig(AppConfig):
    name = "items"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from registries.signals import registry_deleted

        registry_deleted.connect(_deactivate_items, dispatch_uid="items.deactivate_registry_items")


def _deactivate_items(sender, registry_id: int, **kwargs) -> None:
    """A registry deleted in WordPress soft-deletes its items (D5)."""
    from .services import deactivate_registry_items

    deactivate_registry_items(registry_id)
