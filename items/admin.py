import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.html import format_html
from django.utils.text import Truncator

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
    change_form_template = "wpauth/change_form.html"  # no "History" link

    def history_view(self, request, object_id, extra_context=None):
        raise Http404("nothing is changed here, so there is no history")

    @admin.display(description="ID", ordering="id")
    def number(self, row):
        # The models' explicit primary keys would be labelled "Id".
        return row.pk

    def has_view_permission(self, request, obj=None):
        # WordPress administrators' local users are staff without permissions of
        # their own (wpauth.administrators): being staff is what lets them look.
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


def wordpress_url(path: str) -> str:
    return f"{settings.WP_BASE_URL.rstrip('/')}{path}"


def link(url: str | None, length: int = 60):
    """A stored URL, shortened to `length` characters; a link only when it is
    http(s): a `javascript:` one stays text."""
    if not url:
        return None  # the admin's empty value
    shown = Truncator(url).chars(length)
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return shown
    return format_html('<a href="{}" title="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, url, shown)


@admin.register(Item)
class ItemAdmin(ReadOnlyModelAdmin):
    # Fits 1280 px beside the filters: short headers, names cut, dates without words.
    list_display = ("number", "short_name", "registry", "price", "quantities", "active", "updated")
    list_display_links = ("number", "short_name")
    list_filter = ("is_active", "registry_id", "retailer", "affiliate_status")
    search_fields = ("name", "url", "retailer")
    search_help_text = "Name, URL or retailer. item:12 finds item 12; registry:34 finds the items of registry 34."
    ordering = ("-id",)
    # The URL fields through methods: their labels say "URL" (the model's would say "Url",
    # and changing its verbose names means a migration), and long ones are cut.
    fieldsets = (
        (None, {"fields": ("number", "name", "registry", "is_active", "created_at", "updated_at")}),
        ("Item", {"fields": ("description", "notes", "shop_url", "retailer", "image", "price")}),
        ("Quantities", {"fields": ("quantity_needed", "quantity_purchased")}),
        ("Affiliate link (administrators only in the API)", {"fields": ("affiliate", "affiliate_status")}),
    )

    @admin.display(description="name", ordering="name")
    def short_name(self, item: Item):
        return Truncator(item.name).chars(50)

    @admin.display(description="registry", ordering="registry_id")
    def registry(self, item: Item):
        """The registry's post in WordPress's own admin (the viewer is a WordPress administrator)."""
        if item.registry_id is None:
            return None  # a v1.0.x row with no registry: the admin's empty value
        url = wordpress_url(f"/wp-admin/post.php?post={item.registry_id}&action=edit")
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, item.registry_id)

    @admin.display(description="needed / bought")
    def quantities(self, item: Item):
        return f"{item.quantity_needed} / {item.quantity_purchased}"

    @admin.display(description="active", boolean=True, ordering="is_active")
    def active(self, item: Item):
        return item.is_active

    @admin.display(description="updated (UTC)", ordering="updated_at")
    def updated(self, item: Item):
        return item.updated_at.strftime("%Y-%m-%d %H:%M") if item.updated_at else None

    @admin.display(description="URL")
    def shop_url(self, item: Item):
        return link(item.url)

    @admin.display(description="Image URL")
    def image(self, item: Item):
        return link(item.image_url)

    @admin.display(description="Affiliate URL")
    def affiliate(self, item: Item):
        return link(item.affiliate_url)

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

    list_display = ("number", "short_item", "buyer", "quantity", "created_at")
    list_filter = ("created_at",)
    search_fields = ("=item__id", "=user_id")
    search_help_text = "An item id or a WordPress user id (exact)."
    ordering = ("-id",)
    list_select_related = ("item",)
    fields = ("number", "item", "buyer", "quantity", "created_at")

    def get_queryset(self, request):
        # The names WordPress gave this service: its administrators', mirrored at their
        # logins (wpauth.administrators). In the page's one query, never a call per row.
        names = User.objects.filter(is_staff=True, last_name=Cast(OuterRef("user_id"), CharField()))
        return super().get_queryset(request).annotate(buyer_name=Subquery(names.values("first_name")[:1]))

    @admin.display(description="item", ordering="item_id")
    def short_item(self, purchase: Purchase):
        return Truncator(str(purchase.item)).chars(50)

    @admin.display(description="buyer", ordering="user_id")
    def buyer(self, purchase: Purchase):
        """The buyer's WordPress display name where known, else the id; linked to their WordPress user screen."""
        name = getattr(purchase, "buyer_name", None)
        shown = f"{name} (user {purchase.user_id})" if name else f"user {purchase.user_id}"
        url = wordpress_url(f"/wp-admin/user-edit.php?user_id={purchase.user_id}")
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, shown)
