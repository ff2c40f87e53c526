from django.contrib import admin

from .models import Item


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "registry_id", "price", "quantity_needed", "quantity_purchased", "is_active", "updated_at")
    list_filter = ("is_active", "affiliate_status", "retailer")
    search_fields = ("name", "description", "notes", "url", "retailer", "=registry_id", "=id")
    readonly_fields = ("created_at", "updated_at")
    ordering = ("-id",)
    list_per_page = 50
