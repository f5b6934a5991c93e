"""Files on requests: uploads checked by content and streamed to disk, their rows, downloads."""
