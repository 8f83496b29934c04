"""Talking to the site: feed pages, the whole archive, tag suggestions, and a refresh that
stores what it fetched. Everything here goes through httpx with bounded reads and deadlines."""
