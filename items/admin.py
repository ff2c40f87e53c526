import re

from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html

from .models import Item, Purchase


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Staff may view, search and filter; nobody adds, changes or deletes, superusers
    included (the add, change-POST and delete URLs answer 403). The service never
    removes a row, and only the API's validation may write one.

    Register any model for inspection with it:

        @admin.register(Purchase)
        class PurchaseAdmin(ReadOnlyModelAdmin):
            list_display = ("id", "item_id", "user_id", "quantity", "created_at")
    """

    actions = None
    list_per_page = 50

    def has_view_permission(self, request, obj=None):
        # WordPress administrators' local users are staff without permissions of
        # their own (wpgateway.backends): being staff is what lets them look.
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# "item:12" (or "item 12", "#12") and "registry:34": one kind of id each, never both.
ID_SEARCH = re.compile(r"^\s*(?:(item|registry)\s*[:#\s]|#)\s*(\d{1,18})\s*$", re.IGNORECASE)


@admin.register(Item)
class ItemAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "name", "registry", "price", "quantities", "is_active", "updated_at")
    list_display_links = ("id", "name")
    list_filter = ("is_active", "registry_id", "retailer", "affiliate_status")
    search_fields = ("name", "url", "retailer")
    search_help_text = "Name, URL or retailer. item:12 finds item 12; registry:34 finds the items of registry 34."
    ordering = ("-id",)
    fieldsets = (
        (None, {"fields": ("id", "name", "registry", "is_active", "created_at", "updated_at")}),
        ("Item", {"fields": ("description", "notes", "url", "retailer", "image_url", "price")}),
        ("Quantities", {"fields": ("quantity_needed", "quantity_purchased")}),
        ("Affiliate link (administrators only in the API)", {"fields": ("affiliate_url", "affiliate_status")}),
    )

    @admin.display(description="registry", ordering="registry_id")
    def registry(self, item: Item):
        """The registry's post in WordPress's own admin (the viewer is a WordPress administrator)."""
        if item.registry_id is None:
            return None  # a v1.0.x row with no registry: the admin's empty value
        url = f"{settings.WP_BASE_URL.rstrip('/')}/wp-admin/post.php?post={item.registry_id}&action=edit"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, item.registry_id)

    @admin.display(description="needed / purchased")
    def quantities(self, item: Item):
        return f"{item.quantity_needed} / {item.quantity_purchased}"

    def get_search_results(self, request, queryset, search_term):
        match = ID_SEARCH.match(search_term)
        if match is None:
            return super().get_search_results(request, queryset, search_term)
        field = "registry_id" if (match[1] or "").lower() == "registry" else "id"
        return queryset.filter(**{field: int(match[2])}), False


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyModelAdmin):
    """The purchase ledger: who bought (WordPress user id) for administrators only;
    the API never shows it to a registry's owner."""

    list_display = ("id", "item", "user_id", "quantity", "created_at")
    list_filter = ("created_at",)
    search_fields = ("=item__id", "=user_id")
    search_help_text = "An item id or a WordPress user id (exact)."
    ordering = ("-id",)
    list_select_related = ("item",)
