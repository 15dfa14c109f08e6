"""The words the staff pages use for alert levels, rules, episode states and repair actions.

English message ids, marked for the catalogues: show them through gettext.
"""

from fic.domain.answers import N_

LEVEL_TEXT = {
    "watch": N_("Watch"),
    "low_alliance": N_("Low alliance"),
    "rupture": N_("Possible rupture"),
    "escalation": N_("Escalated rupture"),
    "urgent": N_("Urgent: safety"),
}
RULE_TEXT = {
    "R1": N_("alliance below the cutoff for several sessions"),
    "R2": N_("a reliable drop since the last session"),
    "R3": N_("well below this client's own usual level"),
    "R4": N_("a slow, steady decline over several sessions"),
    "R5": N_("the client reported tension that was not talked through"),
    "R6": N_("repair"),
    "R7": N_("not repaired in time, or the client is not improving"),
    "S1": N_("the client's comment contains words about risk or safety"),
}
RULE_SHORT = {
    "R1": N_("below the cutoff"), "R2": N_("reliable drop"),
    "R3": N_("below the client's usual level"),
    "R4": N_("slow decline"), "R5": N_("client reported tension"), "R6": N_("repair"),
    "R7": N_("not repaired in time"), "S1": N_("safety words in a comment"),
}
EPISODE_TEXT = {
    "open": N_("open: not repaired yet"),
    "repaired": N_("repaired: the alliance came back"),
    "escalated": N_("escalated to the supervisor: not repaired in time"),
    "closed": N_("closed"),
}
ACTION_TEXT = {
    "talked_in_session": N_("Talked it through in session"),
    "adjusted_approach": N_("Adjusted my approach"),
    "changed_goals": N_("Changed the goals together"),
    "consulted_supervisor": N_("Consulted my supervisor"),
    "referred": N_("Referred the client"),
    "other": N_("Something else (see note)"),
}
