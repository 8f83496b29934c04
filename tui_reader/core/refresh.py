"""Refresh a tag: fetch its feed, parse, convert and merge into the cache. (Being written.)"""
