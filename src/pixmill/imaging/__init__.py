"""Image work after the engine: encoding, metadata, and (later) background removal."""
