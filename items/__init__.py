"""Wishlist items: the `items` table and the /items routes."""
