"""The families' side, in private chats: one module per feature."""
