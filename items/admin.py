import re
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from .models import Item, ItemQuerySet, Purchase, Reservation


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


def short_time(moment):
    """A time in 16 characters, half the admin's own format: the lists fit 1280 px."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else None


def with_user_names(queryset):
    """Each row's `user_name`: the name WordPress gave this service for the row's `user_id`,
    known for its administrators, mirrored at their logins (wpauth.administrators). In the
    page's one query, never a call per row."""
    names = User.objects.filter(is_staff=True, last_name=Cast(OuterRef("user_id"), CharField()))
    return queryset.annotate(user_name=Subquery(names.values("first_name")[:1]))


def wordpress_user(row):
    """The row's WordPress user by display name where known, else by id; linked to their WordPress user screen."""
    name = getattr(row, "user_name", None)
    shown = f"{name} (user {row.user_id})" if name else f"user {row.user_id}"
    url = wordpress_url(f"/wp-admin/user-edit.php?user_id={row.user_id}")
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, shown)


def link(url: str | None, length: int = 60):
    """A stored URL, shortened to `length` characters; a link only when it is
    http(s): a `javascript:` one stays text."""
    if not url:
        return None  # no URL: the caller shows the admin's empty value
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
        ("Quantities", {"fields": ("quantity_needed", "quantity_purchased", "reserved")}),
        ("Affiliate link (administrators only in the API)", {"fields": ("affiliate", "affiliate_status")}),
    )

    def get_queryset(self, request):
        # quantity_reserved as the API answers it, in the page's one query.
        return cast(ItemQuerySet, super().get_queryset(request)).with_reserved()

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
        return short_time(item.updated_at)

    @admin.display(description="Quantity reserved (active reservations)")
    def reserved(self, item: Item):
        return getattr(item, "quantity_reserved", None)

    @admin.display(description="URL")
    def shop_url(self, item: Item):
        return link(item.url)

    @admin.display(description="Image URL")
    def image(self, item: Item):
        # A method's None would read "None" on the item's page: the empty value instead.
        return link(item.image_url) or self.get_empty_value_display()

    @admin.display(description="Affiliate URL")
    def affiliate(self, item: Item):
        return link(item.affiliate_url) or self.get_empty_value_display()

    def get_search_results(self, request, queryset, search_term):
        match = ID_SEARCH.match(search_term)
        if match is None:
            return super().get_search_results(request, queryset, search_term)
        field = "registry_id" if (match[1] or "").lower() == "registry" else "id"
        return queryset.filter(**{field: int(match[2])}), False


class ItemUserRowAdmin(ReadOnlyModelAdmin):
    """Rows a WordPress user made on an item (purchases, reservations): newest
    first, the item in short, the user by name where known."""

    ordering = ("-id",)
    list_select_related = ("item",)
    item_chars = 50  # the item's name cut to fit the list

    def get_queryset(self, request):
        return with_user_names(super().get_queryset(request))

    @admin.display(description="item", ordering="item_id")
    def short_item(self, row):
        return Truncator(str(row.item)).chars(self.item_chars)

    @admin.display(description="created (UTC)", ordering="created_at")
    def created(self, row):
        return short_time(row.created_at)


@admin.register(Purchase)
class PurchaseAdmin(ItemUserRowAdmin):
    """The purchase ledger: who bought (WordPress user id) for administrators only;
    the API never shows it to a registry's owner. Each purchase is a gift (D11):
    the name and message the buyer gave, what of it they have not undone, and
    whether the owner thanked them."""

    list_display = (
        "number", "short_item", "buyer", "quantity", "gift_quantity", "gift_from", "short_message", "thanked", "created",
    )  # fmt: skip
    list_filter = ("thanked", "created_at")
    search_fields = ("=item__id", "=user_id", "from_name", "message")
    search_help_text = "An item id or a WordPress user id (exact), or words of a gift's name or message."
    fields = ("number", "item", "buyer", "quantity", "created_at", "gift_quantity", "gift_from", "message", "thanked")

    @admin.display(description="buyer", ordering="user_id")
    def buyer(self, purchase: Purchase):
        return wordpress_user(purchase)

    @admin.display(description="From", ordering="from_name")
    def gift_from(self, purchase: Purchase):
        # The model's label would read "From name" (changing it means a migration). A
        # method's None would read "None" on the purchase's page: the empty value instead.
        return purchase.from_name or self.get_empty_value_display()

    @admin.display(description="message")
    def short_message(self, purchase: Purchase):
        """Cut to fit the list; the whole message on hover, and on the purchase's page."""
        if not purchase.message:
            return None
        return format_html('<span title="{}">{}</span>', purchase.message, Truncator(purchase.message).chars(40))


class ActiveReservationFilter(admin.SimpleListFilter):
    """Active: holding units and not expired, those `quantity_reserved` counts."""

    title = "active"
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return (("1", "Yes"), ("0", "No"))

    def queryset(self, request, queryset):
        active = Reservation.objects.active().values("id")
        if self.value() == "1":
            return queryset.filter(id__in=active)
        if self.value() == "0":
            return queryset.exclude(id__in=active)
        return queryset


@admin.register(Reservation)
class ReservationAdmin(ItemUserRowAdmin):
    """Reservations (D10), kept once expired, cancelled or used up. Who reserved
    is for administrators only: the API shows a reservation to its maker alone."""

    list_display = (
        "number", "short_item", "reserver", "quantity", "held", "active", "expires", "created", "cancelled",
    )  # fmt: skip
    list_filter = (ActiveReservationFilter, "expires_at", "created_at")
    search_fields = ("=item__id", "=user_id")
    search_help_text = "An item id or a WordPress user id (exact)."
    fields = ("number", "item", "reserver", "quantity", "held", "active", "expires_at", "created_at", "cancelled_at")
    item_chars = 40

    @admin.display(description="reserver", ordering="user_id")
    def reserver(self, reservation: Reservation):
        return wordpress_user(reservation)

    @admin.display(description="active", boolean=True)
    def active(self, reservation: Reservation):
        return reservation.held > 0 and reservation.expires_at > timezone.now()

    @admin.display(description="expires (UTC)", ordering="expires_at")
    def expires(self, reservation: Reservation):
        return short_time(reservation.expires_at)

    @admin.display(description="cancelled (UTC)", ordering="cancelled_at")
    def cancelled(self, reservation: Reservation):
        return short_time(reservation.cancelled_at)
