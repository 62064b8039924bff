"""What families see in their private chat with the bot: start and menu, questions and answers,
events, volunteering, help and privacy, the hand-over to staff and back (``handoff``);
``views`` holds the renderings several of them share."""
