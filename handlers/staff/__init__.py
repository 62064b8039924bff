"""What staff see, in the staff group: the desk where they answer families in their topics,
claim and close conversations (``desk``), book appointments (``appointments``), reload the
knowledge base (``reload``), see what found no confident answer and accept it as a phrasing
(``unanswered``), and the guard every staff command passes first (``guard``: staff
only, and which family's conversation a message belongs to)."""
