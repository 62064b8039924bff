"""What families see in their private chat with the bot: start and menu, questions and answers,
events, volunteering, help and privacy (``views`` holds the renderings several of them share)."""
