"""What families see, in private chats with the bot: the hand-over to staff and back
(``handoff``)."""
