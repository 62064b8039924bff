"""What staff do in the staff group: answer families, claim and close conversations
(``desk``), reload the knowledge base (``reload``).

TRANSITIONAL: the names below are re-exported from ``desk`` for the modules that still import
them from ``handlers.staff`` (until the staff guard has a module of its own).
"""

from handlers.staff.desk import handoff_of, is_staff, refuse_unless_staff, register

__all__ = ["handoff_of", "is_staff", "refuse_unless_staff", "register"]
