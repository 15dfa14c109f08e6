"""The report words that templates pick by a name in the context (an outcome, a reason, an
episode state, a repair action): English message ids, translated by the templates' `tr`.

Everything else a report says is written in its template as `_("…")`; both come from the
gettext catalogues in fic/translations, in the language the report is built in.
"""

from __future__ import annotations

from fic.domain.answers import N_

WORDS = {
    # outcome classes (fic.domain.outcomes.CATEGORIES), and none
    "recovered": N_("recovered"),
    "reliably_improved": N_("improved"),
    "no_reliable_change": N_("no change"),
    "reliably_deteriorated": N_("deteriorated"),
    "no_outcome": N_("no wellbeing data"),
    # why a client needs attention
    "reason_escalated": N_("escalated rupture"),
    "reason_open": N_("open rupture"),
    "reason_not_on_track": N_("not on track"),
    "reason_urgent": N_("urgent: safety words"),
    "reason_low_alliance": N_("low alliance"),
    # episode states
    "state_open": N_("open"),
    "state_repaired": N_("repaired"),
    "state_escalated": N_("escalated"),
    "state_closed": N_("closed"),
    # repair actions as a report lists them
    "action_talked_in_session": N_("talked it through in session"),
    "action_adjusted_approach": N_("adjusted the approach"),
    "action_changed_goals": N_("changed goals"),
    "action_consulted_supervisor": N_("consulted the supervisor"),
    "action_referred": N_("referred"),
    "action_other": N_("other"),
}
