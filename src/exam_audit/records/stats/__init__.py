"""Statistical indications of collusion (checklist item C5): answer copying and pass-rate outliers.

Evidence for inspection, never proof on its own (DOMAIN.md §4)."""

ANSWER_SIMILARITY = "stats.answer_similarity"  # the rule id, shared by copying.py and similarity.py
