"""Reading what the site sent: the Atom XML parsed, each post's kind inferred, its HTML cleaned and
converted to Markdown, its dates and links understood. No network, no disk."""
