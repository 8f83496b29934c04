"""The user's own files and session: settings (config.toml), the reader's state (state.json), tag
history, where files live, and atomic writes."""
